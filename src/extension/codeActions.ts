import * as vscode from 'vscode';
import * as path from 'node:path';
import { DIAGNOSTIC_SOURCE } from './dumpDiagnostics';
import { resolveDumpPath } from './dumpPaths';
import { OPEN_REPORT_COMMAND, REANALYZE_COMMAND, SUPPRESS_FINDING_COMMAND } from './commandIds';

/** Codes that describe the file as a whole rather than a finding one could choose to ignore. */
const NOT_SUPPRESSIBLE = new Set(['file-missing', 'cancelled', 'internal']);

/** Quick fixes on our diagnostics: open the report, re-analyse, suppress this finding for this file. */
export class DumpCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  async provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics.filter(d => d.source === DIAGNOSTIC_SOURCE);
    if (ours.length === 0) return [];
    const actions: vscode.CodeAction[] = [];
    const seenFiles = new Set<string>();
    for (const d of ours) {
      const written = document.getText(d.range);
      const resolved = await resolveDumpPath(written, document);
      if (!resolved.exists) continue;
      const file = resolved.fsPath;
      const name = path.basename(file);
      if (!seenFiles.has(file)) {
        seenFiles.add(file);
        const open = new vscode.CodeAction(`Open embedding report for ${name}`, vscode.CodeActionKind.QuickFix);
        open.command = { command: OPEN_REPORT_COMMAND, title: open.title, arguments: [file] };
        open.diagnostics = ours.filter(x => x.range.isEqual(d.range));
        open.isPreferred = true;
        actions.push(open);
        const again = new vscode.CodeAction(`Re-analyse ${name}`, vscode.CodeActionKind.QuickFix);
        again.command = { command: REANALYZE_COMMAND, title: again.title, arguments: [file] };
        again.diagnostics = open.diagnostics;
        actions.push(again);
      }
      const code = typeof d.code === 'string' ? d.code : undefined;
      if (code && !NOT_SUPPRESSIBLE.has(code)) {
        const suppress = new vscode.CodeAction(`Suppress '${code}' for ${name}`, vscode.CodeActionKind.QuickFix);
        suppress.command = { command: SUPPRESS_FINDING_COMMAND, title: suppress.title, arguments: [file, code] };
        suppress.diagnostics = [d];
        actions.push(suppress);
      }
    }
    return actions;
  }
}
