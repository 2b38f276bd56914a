// aigis for VS Code: starts `aigis lsp`, draws AI regions in the gutter and overview ruler by
// tier, shows a status bar count, adds palette commands, and reports accepted inline
// suggestions and pastes to the server.
import * as fs from "fs";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  Location as LspLocation,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { insertedRange, notFoundMessage, resolveServerPath, ServerPathInputs, statusText } from "./logic";

interface Region {
  id: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  tool: string;
  model?: string;
  source: string;
  confidence: string;
  risk: { tier: string; score: number; findings: { rule: string }[] };
  blast: { dependents: number; files: number };
  review: { state: string; by?: string };
}

let client: LanguageClient | undefined;
const regionsByUri = new Map<string, Region[]>();
let status: vscode.StatusBarItem;
const decorations: Record<string, vscode.TextEditorDecorationType> = {};

function decorationFor(kind: string, color: string): vscode.TextEditorDecorationType {
  return vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    borderWidth: "0 0 0 3px",
    borderStyle: "solid",
    borderColor: color,
    overviewRulerColor: color,
    overviewRulerLane: vscode.OverviewRulerLane.Left,
    // A stable class name in the DOM helps the end-to-end test find the decoration.
    before: { contentText: "", textDecoration: `none; --aigis-tier: ${kind}` },
  });
}

function tierOf(r: Region): string {
  if (r.review.state === "approved") return "approved";
  return r.risk.tier === "senior" || r.risk.tier === "peer" ? r.risk.tier : "ai";
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function settings() {
  const c = vscode.workspace.getConfiguration("aigis");
  // The burst heuristic is sent only when the user set it: this extension reports accepted AI
  // edits itself (aiEditReporting), so by default the server makes no guesses.
  const h = c.inspect<boolean>("heuristic.enabled");
  const explicit = h?.workspaceFolderValue ?? h?.workspaceValue ?? h?.globalValue;
  return {
    auditMode: c.get<boolean>("auditMode", false),
    aiEditReporting: c.get<boolean>("captureInlineSuggestions", true),
    heuristic: { enabled: explicit, minLines: c.get<number>("heuristic.minLines", 4) },
  };
}

async function refreshRegions(doc: vscode.TextDocument) {
  if (!client || doc.uri.scheme !== "file") return;
  try {
    const regions = await client.sendRequest<Region[]>("aigis/regions", { textDocument: { uri: doc.uri.toString() } });
    regionsByUri.set(doc.uri.toString(), regions);
  } catch {
    return;
  }
  for (const editor of vscode.window.visibleTextEditors) {
    if (editor.document.uri.toString() === doc.uri.toString()) paint(editor);
  }
  updateStatus();
}

function paint(editor: vscode.TextEditor) {
  const regions = regionsByUri.get(editor.document.uri.toString()) ?? [];
  const byTier: Record<string, vscode.DecorationOptions[]> = { senior: [], peer: [], ai: [], approved: [] };
  for (const r of regions) {
    const end = r.range.end.character === 0 && r.range.end.line > r.range.start.line ? r.range.end.line - 1 : r.range.end.line;
    byTier[tierOf(r)].push({
      range: new vscode.Range(r.range.start.line, 0, end, 0),
      hoverMessage: `AI-written by ${r.tool} (${r.source}, ${r.confidence}) · tier ${r.risk.tier} · review ${r.review.state}`,
    });
  }
  for (const [tier, options] of Object.entries(byTier)) editor.setDecorations(decorations[tier], options);
}

function updateStatus() {
  const all = [...regionsByUri.values()].flat();
  status.text = `$(hubot) ${statusText(all)}`;
  status.tooltip = "aigis: AI-written regions in open files. Click to list those needing review.";
  status.show();
}

function regionAtCursor(): { editor: vscode.TextEditor; region: Region } | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const line = editor.selection.active.line;
  const region = (regionsByUri.get(editor.document.uri.toString()) ?? []).find(
    (r) => r.range.start.line <= line && line <= r.range.end.line,
  );
  return region ? { editor, region } : undefined;
}

async function regionCommand(command: string) {
  const at = regionAtCursor();
  if (!at || !client) {
    vscode.window.showInformationMessage("aigis: no AI region at the cursor.");
    return;
  }
  try {
    await client.sendRequest("workspace/executeCommand", {
      command,
      arguments: [{ uri: at.editor.document.uri.toString(), regionId: at.region.id }],
    });
    vscode.window.setStatusBarMessage(`aigis: ${command === "aigis.approve" ? "approved" : "review requested"}`, 4000);
  } catch (e) {
    vscode.window.showErrorMessage(`aigis: ${(e as Error).message}`);
  }
  await refreshRegions(at.editor.document);
}

async function showBlastRadius(uri: vscode.Uri, position: vscode.Position, locations: LspLocation[]) {
  const locs = locations.map(
    (l) => new vscode.Location(vscode.Uri.parse(l.uri), new vscode.Range(l.range.start.line, l.range.start.character, l.range.end.line, l.range.end.character)),
  );
  await vscode.commands.executeCommand("editor.action.showReferences", uri, position, locs);
}

/** Runs `command` and reports the text it inserted as AI-written (or as pasted). */
async function captureInsertion(command: string, report: (doc: vscode.TextDocument, range: vscode.Range) => void) {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    await vscode.commands.executeCommand(command);
    return;
  }
  const doc = editor.document;
  const changes: { range: vscode.Range; text: string }[] = [];
  const listener = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.document === doc) for (const c of e.contentChanges) changes.push({ range: c.range, text: c.text });
  });
  try {
    await vscode.commands.executeCommand(command);
  } finally {
    listener.dispose();
  }
  const span = insertedRange(changes);
  if (span) report(doc, new vscode.Range(span.start.line, span.start.character, span.end.line, span.end.character));
}

export async function activate(context: vscode.ExtensionContext) {
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.command = "aigis.palette.showRegionsNeedingReview";
  context.subscriptions.push(status);
  decorations.senior = decorationFor("senior", "rgba(220, 50, 47, 0.9)");
  decorations.peer = decorationFor("peer", "rgba(203, 130, 20, 0.9)");
  decorations.ai = decorationFor("ai", "rgba(108, 113, 196, 0.8)");
  decorations.approved = decorationFor("approved", "rgba(80, 160, 80, 0.7)");
  context.subscriptions.push(...Object.values(decorations));

  const inputs: ServerPathInputs = {
    setting: vscode.workspace.getConfiguration("aigis").get<string>("server.path", ""),
    env: process.env.AIGIS_SERVER_PATH,
    extensionDir: context.extensionPath,
    pathVar: process.env.PATH,
    platform: process.platform,
  };
  const server = resolveServerPath(inputs, { isExecutable });
  if (!server) {
    vscode.window.showErrorMessage(notFoundMessage(inputs));
    return;
  }
  const serverOptions: ServerOptions = { command: server.path, args: ["lsp"], transport: TransportKind.stdio };
  const output = vscode.window.createOutputChannel("aigis");
  output.appendLine(`aigis: using ${server.path} (${server.from})`);
  const clientOptions: LanguageClientOptions = {
    // Every file on disk: AI regions are tracked in any text file; the server analyses the
    // languages it has rules for (queries/languages.toml).
    documentSelector: [{ scheme: "file" }],
    initializationOptions: settings(),
    outputChannel: output,
    middleware: {
      // Editors show a blast radius as a references list.
      executeCommand: async (command, args, next) => {
        const result = await next(command, args);
        if (command === "aigis.showBlastRadius" && Array.isArray(result) && args[0]) {
          const a = args[0] as { uri: string; position: { line: number; character: number } };
          await showBlastRadius(vscode.Uri.parse(a.uri), new vscode.Position(a.position.line, a.position.character), result as LspLocation[]);
        }
        return result;
      },
      handleDiagnostics: (uri, diagnostics, next) => {
        next(uri, diagnostics);
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        if (doc) void refreshRegions(doc);
      },
    },
  };
  client = new LanguageClient("aigis", "aigis", serverOptions, clientOptions);
  await client.start();

  context.subscriptions.push(
    vscode.commands.registerCommand("aigis.palette.requestSeniorReview", () => regionCommand("aigis.requestSeniorReview")),
    vscode.commands.registerCommand("aigis.palette.approve", () => regionCommand("aigis.approve")),
    vscode.commands.registerCommand("aigis.palette.showBlastRadius", async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !client) return;
      const position = editor.selection.active;
      const locations = await client.sendRequest<LspLocation[]>("workspace/executeCommand", {
        command: "aigis.showBlastRadius",
        arguments: [{ uri: editor.document.uri.toString(), position: { line: position.line, character: position.character } }],
      });
      await showBlastRadius(editor.document.uri, position, locations ?? []);
    }),
    vscode.commands.registerCommand("aigis.palette.markAi", async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !client || editor.selection.isEmpty) return;
      const tool = await vscode.window.showInputBox({ prompt: "Which tool wrote it?", value: "manual" });
      const s = editor.selection;
      await client.sendRequest("workspace/executeCommand", {
        command: "aigis.markAi",
        arguments: [{ uri: editor.document.uri.toString(), range: { start: s.start, end: s.end }, tool: tool || "manual" }],
      });
      await refreshRegions(editor.document);
    }),
    vscode.commands.registerCommand("aigis.palette.markHuman", async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !client || editor.selection.isEmpty) return;
      const s = editor.selection;
      await client.sendRequest("workspace/executeCommand", {
        command: "aigis.markHuman",
        arguments: [{ uri: editor.document.uri.toString(), range: { start: s.start, end: s.end } }],
      });
      await refreshRegions(editor.document);
    }),
    vscode.commands.registerCommand("aigis.palette.showRegionsNeedingReview", async () => {
      const items: (vscode.QuickPickItem & { uri: string; line: number })[] = [];
      for (const [uri, regions] of regionsByUri) {
        for (const r of regions) {
          if (r.review.state !== "required" && r.review.state !== "requested") continue;
          items.push({
            label: `${vscode.workspace.asRelativePath(vscode.Uri.parse(uri))}:${r.range.start.line + 1}`,
            description: `${r.risk.tier} review ${r.review.state}`,
            detail: `AI-written by ${r.tool} (${r.source}) · ${r.risk.findings.map((f) => f.rule).join(", ") || "no risky operation"} · ${r.blast.dependents} dependents`,
            uri,
            line: r.range.start.line,
          });
        }
      }
      const pick = await vscode.window.showQuickPick(items, { placeHolder: items.length ? "AI regions needing review" : "No AI region needs review" });
      if (pick) {
        const editor = await vscode.window.showTextDocument(vscode.Uri.parse(pick.uri));
        editor.selection = new vscode.Selection(pick.line, 0, pick.line, 0);
        editor.revealRange(new vscode.Range(pick.line, 0, pick.line, 0));
      }
    }),
    vscode.commands.registerCommand("aigis.palette.restartServer", async () => {
      await client?.restart();
    }),
    // Tab on an inline suggestion: accept it as VS Code would, and report what it inserted.
    vscode.commands.registerCommand("aigis.acceptInlineSuggestion", async () => {
      if (!vscode.workspace.getConfiguration("aigis").get<boolean>("captureInlineSuggestions", true)) {
        await vscode.commands.executeCommand("editor.action.inlineSuggest.commit");
        return;
      }
      await captureInsertion("editor.action.inlineSuggest.commit", (doc, range) => {
        void client?.sendNotification("aigis/markAiEdit", {
          textDocument: { uri: doc.uri.toString(), version: doc.version },
          range: { start: range.start, end: range.end },
          tool: "inline-suggestion",
        });
      });
    }),
    // Keyboard paste: the server must not mistake it for an AI burst.
    vscode.commands.registerCommand("aigis.paste", async () => {
      await captureInsertion("editor.action.clipboardPasteAction", (doc, range) => {
        void client?.sendNotification("aigis/didPaste", {
          textDocument: { uri: doc.uri.toString() },
          range: { start: range.start, end: range.end },
        });
      });
    }),
    vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach(paint)),
    vscode.workspace.onDidOpenTextDocument((d) => void refreshRegions(d)),
    vscode.workspace.onDidCloseTextDocument((d) => {
      regionsByUri.delete(d.uri.toString());
      updateStatus();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("aigis")) void client?.sendNotification("workspace/didChangeConfiguration", { settings: { aigis: settings() } });
    }),
  );
  for (const d of vscode.workspace.textDocuments) void refreshRegions(d);
  updateStatus();
}

export async function deactivate() {
  await client?.stop();
}
