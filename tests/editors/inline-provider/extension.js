// Test-only: a stand-in for Copilot. After `def rebuild(name):` it offers an inline suggestion
// (ghost text) that deletes a CloudFormation stack; Tab accepts it through aigis's keybinding.
const vscode = require("vscode");

const SUGGESTION = '\n    boto3.client("cloudformation").delete_stack(StackName=name)';

function activate(context) {
  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider(
      { language: "python" },
      {
        provideInlineCompletionItems(document, position) {
          const line = document.lineAt(position.line).text;
          if (line.trimEnd() !== "def rebuild(name):" || position.character < line.trimEnd().length) {
            return [];
          }
          return [new vscode.InlineCompletionItem(SUGGESTION, new vscode.Range(position, position))];
        },
      },
    ),
  );
}

module.exports = { activate };
