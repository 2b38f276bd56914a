// node --test: server-path resolution and the inline-suggestion capture logic.
const test = require("node:test");
const assert = require("node:assert");
const { resolveServerPath, notFoundMessage, insertedRange, statusText } = require("../dist/logic.js");

const fsWith = (paths) => ({ isExecutable: (p) => paths.includes(p) });
const base = { setting: "", env: undefined, extensionDir: "/ext", pathVar: "/usr/bin:/opt/aigis/bin", platform: "linux" };

test("the environment wins, then the setting, then the bundled binary, then PATH", () => {
  const all = fsWith(["/env/aigis", "/set/aigis", "/ext/server/aigis", "/opt/aigis/bin/aigis"]);
  assert.deepStrictEqual(resolveServerPath({ ...base, env: "/env/aigis", setting: "/set/aigis" }, all), { path: "/env/aigis", from: "environment" });
  assert.deepStrictEqual(resolveServerPath({ ...base, setting: "/set/aigis" }, all), { path: "/set/aigis", from: "setting" });
  assert.deepStrictEqual(resolveServerPath(base, all), { path: "/ext/server/aigis", from: "bundled" });
  assert.deepStrictEqual(resolveServerPath(base, fsWith(["/opt/aigis/bin/aigis"])), { path: "/opt/aigis/bin/aigis", from: "PATH" });
});

test("a setting that points nowhere is an error, not a silent fallback", () => {
  const i = { ...base, setting: "/wrong/aigis" };
  assert.strictEqual(resolveServerPath(i, fsWith(["/ext/server/aigis"])), undefined);
  assert.match(notFoundMessage(i), /aigis\.server\.path is \/wrong\/aigis/);
  assert.strictEqual(resolveServerPath(base, fsWith([])), undefined);
  assert.match(notFoundMessage(base), /no server found/);
});

test("windows names and separators", () => {
  const i = { ...base, platform: "win32", extensionDir: "C:\\ext", pathVar: "C:\\bin;D:\\tools" };
  assert.deepStrictEqual(resolveServerPath(i, fsWith(["D:\\tools/aigis.exe"])), { path: "D:\\tools/aigis.exe", from: "PATH" });
});

test("the range an accepted suggestion inserted", () => {
  const at = (line, character) => ({ line, character });
  // One-line completion at the cursor.
  assert.deepStrictEqual(insertedRange([{ range: { start: at(3, 8), end: at(3, 8) }, text: "delete_stack()" }]), { start: at(3, 8), end: at(3, 22) });
  // A multi-line suggestion ends on its last line.
  assert.deepStrictEqual(insertedRange([{ range: { start: at(1, 4), end: at(1, 4) }, text: "a();\n    b();\n}" }]), { start: at(1, 4), end: at(3, 1) });
  // A suggestion that replaces the typed prefix and also closes a bracket: one merged span.
  assert.deepStrictEqual(
    insertedRange([
      { range: { start: at(2, 0), end: at(2, 3) }, text: "let x = f(" },
      { range: { start: at(2, 10), end: at(2, 10) }, text: ")" },
    ]),
    { start: at(2, 0), end: at(2, 11) },
  );
  // Nothing inserted (a deletion only): nothing to report.
  assert.strictEqual(insertedRange([{ range: { start: at(0, 0), end: at(0, 4) }, text: "" }]), undefined);
  assert.strictEqual(insertedRange([]), undefined);
});

test("the status bar counts regions needing review", () => {
  const r = (tier, state) => ({ risk: { tier }, review: { state } });
  assert.strictEqual(statusText([r("senior", "required"), r("senior", "approved"), r("peer", "requested"), r("none", "none")]), "AI 4 · 1 need senior review · 1 need peer review");
  assert.strictEqual(statusText([]), "AI 0");
});
