// Logic of the extension that does not need VS Code, so `node --test` can test it.

export interface FileSystem {
  isExecutable(path: string): boolean;
}

export interface ServerPathInputs {
  setting: string;
  env: string | undefined;
  extensionDir: string;
  pathVar: string | undefined;
  platform: string;
}

export interface ServerPath {
  path: string;
  from: "environment" | "setting" | "bundled" | "PATH";
}

function join(a: string, b: string): string {
  return a.endsWith("/") || a.endsWith("\\") ? a + b : a + "/" + b;
}

/** Finds the server: AIGIS_SERVER_PATH, the `aigis.server.path` setting, the binary bundled in
 * the extension (`server/aigis`), then `aigis` on PATH. `undefined` when none is there. */
export function resolveServerPath(i: ServerPathInputs, fs: FileSystem): ServerPath | undefined {
  const exe = i.platform === "win32" ? "aigis.exe" : "aigis";
  if (i.env && i.env.trim() !== "") {
    return fs.isExecutable(i.env) ? { path: i.env, from: "environment" } : undefined;
  }
  if (i.setting.trim() !== "") {
    return fs.isExecutable(i.setting) ? { path: i.setting, from: "setting" } : undefined;
  }
  const bundled = join(join(i.extensionDir, "server"), exe);
  if (fs.isExecutable(bundled)) {
    return { path: bundled, from: "bundled" };
  }
  const sep = i.platform === "win32" ? ";" : ":";
  for (const dir of (i.pathVar ?? "").split(sep)) {
    if (dir === "") continue;
    const candidate = join(dir, exe);
    if (fs.isExecutable(candidate)) {
      return { path: candidate, from: "PATH" };
    }
  }
  return undefined;
}

export function notFoundMessage(i: ServerPathInputs): string {
  if (i.env && i.env.trim() !== "") {
    return `aigis: AIGIS_SERVER_PATH is ${i.env}, which is not an executable file.`;
  }
  if (i.setting.trim() !== "") {
    return `aigis: the setting aigis.server.path is ${i.setting}, which is not an executable file.`;
  }
  return "aigis: no server found. Install it (cargo install --path server in the aigis repository) so that `aigis` is on PATH, or set aigis.server.path.";
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A content change as VS Code reports it: the replaced range (before the change) and the text. */
export interface Change {
  range: Range;
  text: string;
}

/** Where text inserted by one change ends: the position after its last character. */
function endOf(start: Position, text: string): Position {
  const lines = text.split("\n");
  if (lines.length === 1) {
    return { line: start.line, character: start.character + text.length };
  }
  return { line: start.line + lines.length - 1, character: lines[lines.length - 1].length };
}

/** The range (in the document after the changes) that accepting a suggestion inserted, from the
 * content changes VS Code reported while the accept command ran. Changes that insert nothing are
 * ignored; several changes (a suggestion that also fixes a bracket) are merged into one span.
 * `undefined` when nothing was inserted. */
export function insertedRange(changes: Change[]): Range | undefined {
  let span: Range | undefined;
  for (const c of changes) {
    if (c.text.length === 0) continue;
    const start = c.range.start;
    const end = endOf(start, c.text);
    if (!span) {
      span = { start, end };
      continue;
    }
    const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character < b.character);
    if (before(start, span.start)) span.start = start;
    if (before(span.end, end)) span.end = end;
  }
  return span;
}

export interface RegionSummary {
  risk: { tier: string };
  review: { state: string };
}

/** The status bar's text: "AI 7 · 2 need senior review". */
export function statusText(regions: RegionSummary[]): string {
  const senior = regions.filter((r) => r.risk.tier === "senior" && (r.review.state === "required" || r.review.state === "requested")).length;
  const peer = regions.filter((r) => r.risk.tier === "peer" && (r.review.state === "required" || r.review.state === "requested")).length;
  let text = `AI ${regions.length}`;
  if (senior > 0) text += ` · ${senior} need senior review`;
  if (peer > 0) text += ` · ${peer} need peer review`;
  return text;
}
