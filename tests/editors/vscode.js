// Drives code-server in headless Chromium with playwright-core. Prints PASS/FAIL lines and a
// summary; exits 1 when something failed.
const { chromium } = require("playwright-core");
const fs = require("fs");
const path = require("path");

const [url, work, artifacts] = process.argv.slice(2);
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  console.log(`${ok ? "PASS" : "FAIL"} ${name}${ok || !detail ? "" : `: ${detail}`}`);
  ok ? passed++ : failed++;
}

async function waitFor(fn, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await fn()) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(url);
    await page.waitForSelector(".monaco-workbench", { timeout: 120000 });
    await page.waitForTimeout(3000);
    // Open src/ops.rs with Quick Open.
    await page.keyboard.press("Control+P");
    await page.waitForSelector(".quick-input-widget", { timeout: 30000 });
    await page.keyboard.type("ops.rs");
    await page.waitForTimeout(1500);
    await page.keyboard.press("Enter");
    await page.waitForSelector(".monaco-editor .view-lines", { timeout: 30000 });
    // The decoration: a whole-line left border in the senior colour.
    const decorated = await waitFor(
      () =>
        page.evaluate(() =>
          [...document.querySelectorAll(".monaco-editor .view-overlays div, .monaco-editor .margin-view-overlays div")].some((e) =>
            getComputedStyle(e).borderLeftColor.includes("220, 50, 47"),
          ),
        ),
      90000,
    );
    await page.screenshot({ path: path.join(artifacts, "vscode-decoration.png") });
    check("the AI region is decorated", decorated);
    // The Problems panel.
    await page.keyboard.press("Control+Shift+M");
    const problems = await waitFor(
      () => page.evaluate(() => (document.querySelector(".markers-panel")?.textContent ?? "").includes("terminate_instances")),
      60000,
    );
    await page.screenshot({ path: path.join(artifacts, "vscode-problems.png") });
    check("the risky diagnostic is in the Problems panel", problems, await page.evaluate(() => document.querySelector(".markers-panel")?.textContent?.slice(0, 300)));
    const status = await page.evaluate(() => [...document.querySelectorAll(".statusbar-item")].map((e) => e.textContent).join(" | "));
    check("the status bar counts AI regions", /AI \d+ · \d+ need senior review/.test(status), status);
    // Go to the terminate_instances line and run the palette command.
    await page.click(".monaco-editor .view-lines");
    await page.keyboard.press("Control+G");
    await page.waitForTimeout(500);
    await page.keyboard.type("23");
    await page.keyboard.press("Enter");
    await page.waitForTimeout(500);
    await page.keyboard.press("F1");
    await page.waitForSelector(".quick-input-widget", { timeout: 30000 });
    await page.keyboard.type("aigis: Request senior review");
    await page.waitForTimeout(1500);
    await page.keyboard.press("Enter");
    const ledger = path.join(work, ".aigis/reviews/src/ops.rs.jsonl");
    const recorded = await waitFor(() => fs.existsSync(ledger) && fs.readFileSync(ledger, "utf8").includes("review-request"), 30000);
    check("Request senior review records the request", recorded);
    const requested = await waitFor(
      () => page.evaluate(() => (document.querySelector(".markers-panel")?.textContent ?? "").includes("review requested")),
      30000,
    );
    await page.screenshot({ path: path.join(artifacts, "vscode-requested.png") });
    check("the diagnostic becomes review/requested", requested);
    // A Python file with an agent's region: its risky diagnostic joins the Problems panel.
    await page.keyboard.press("Control+P");
    await page.waitForSelector(".quick-input-widget", { timeout: 30000 });
    await page.keyboard.type("cleanup.py");
    await page.waitForTimeout(1500);
    await page.keyboard.press("Enter");
    const python = await waitFor(
      () => page.evaluate(() => (document.querySelector(".markers-panel")?.textContent ?? "").includes("delete_stack()")),
      60000,
    );
    await page.screenshot({ path: path.join(artifacts, "vscode-python.png") });
    check("a Python file's risky diagnostic is in the Problems panel", python, await page.evaluate(() => document.querySelector(".markers-panel")?.textContent?.slice(0, 400)));
    // A Terraform file an agent wrote: a bucket that Terraform may destroy with its objects.
    await page.keyboard.press("Control+P");
    await page.waitForSelector(".quick-input-widget", { timeout: 30000 });
    await page.keyboard.type("main.tf");
    await page.waitForTimeout(1500);
    await page.keyboard.press("Enter");
    // The Problems panel's rows are virtual (only the visible ones are in the page): go to the
    // file's problem instead (F8) and read the marker widget the editor shows.
    const terraform = await waitFor(async () => {
      await page.keyboard.press("Escape");
      await page.click(".editor-instance .monaco-editor .view-lines");
      await page.keyboard.press("F8");
      return page.evaluate(() =>
        [...document.querySelectorAll(".marker-widget")].some((w) => (w.textContent ?? "").includes("force_destroy = true")),
      );
    }, 60000);
    await page.screenshot({ path: path.join(artifacts, "vscode-terraform.png") });
    check("a Terraform file's risky diagnostic is shown in the editor", terraform, await page.evaluate(() => [...document.querySelectorAll(".marker-widget")].map((w) => w.textContent).join(" | ").slice(0, 400)));
    // An inline suggestion accepted with Tab (a test-only provider offers it, as Copilot would):
    // aigis records the region, and the operation in it becomes a diagnostic. Typed by hand,
    // the same file has none.
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+P");
    await page.waitForSelector(".quick-input-widget", { timeout: 30000 });
    await page.keyboard.type("rebuild.py");
    await page.waitForTimeout(1500);
    await page.keyboard.press("Enter");
    await page.waitForSelector(".editor-instance .monaco-editor .view-lines", { timeout: 30000 });
    await page.click(".editor-instance .monaco-editor .view-lines");
    await page.keyboard.press("Control+End");
    await page.keyboard.type("def rebuild(name):");
    const ghost = await waitFor(async () => {
      if (await page.evaluate(() => !!document.querySelector(".editor-instance .ghost-text-decoration, .editor-instance .ghost-text"))) return true;
      await page.keyboard.press("Alt+Backslash"); // editor.action.inlineSuggest.trigger
      return false;
    }, 30000);
    check("the provider's inline suggestion is shown", ghost);
    const markerFor = () =>
      page.evaluate(() => [...document.querySelectorAll(".marker-widget")].map((w) => w.textContent ?? "").join(" | "));
    await page.keyboard.press("Tab");
    const accepted = await waitFor(
      () => page.evaluate(() => (document.querySelector(".editor-instance .view-lines")?.textContent ?? "").includes("delete_stack(StackName=name)")),
      15000,
    );
    check("Tab accepts it", accepted);
    // Alt+F8 goes to the next problem in this file only (F8 would move to another file's).
    const activeTab = () => page.evaluate(() => document.querySelector(".tab.active")?.textContent ?? "");
    const marked = await waitFor(async () => {
      await page.keyboard.press("Escape");
      await page.keyboard.press("Alt+F8");
      return (await markerFor()).includes("delete_stack()") && (await activeTab()).includes("rebuild.py");
    }, 60000);
    await page.screenshot({ path: path.join(artifacts, "vscode-inline.png") });
    check("the accepted suggestion is an AI region with its risky diagnostic", marked, (await markerFor()).slice(0, 300));
  } catch (e) {
    check("the run completed", false, String(e));
    await page.screenshot({ path: path.join(artifacts, "vscode-error.png") }).catch(() => {});
  } finally {
    await browser.close();
  }
  console.log(`vscode: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})();
