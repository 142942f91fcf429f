import * as vscode from 'vscode';
import * as path from 'node:path';
import { ALL_DUMP_EXTENSIONS, DUMP_GLOB } from './dumpPaths';
import type { ReportPanels } from './reportPanel';
import type { AnalysisService } from './analysisService';
import { ANALYZE_FILE_COMMAND, CLEAR_CACHE_COMMAND, OPEN_REPORT_COMMAND } from './commandIds';

const isDump = (uri: vscode.Uri | undefined) =>
  !!uri && uri.scheme === 'file' && ALL_DUMP_EXTENSIONS.some(e => uri.fsPath.toLowerCase().endsWith(e));

/** The dump the user is looking at: the active text editor, or the active tab (binary files open as custom/other editors). */
function activeDump(): vscode.Uri | undefined {
  const editorUri = vscode.window.activeTextEditor?.document.uri;
  if (isDump(editorUri)) return editorUri;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: unknown } | undefined;
  return input && input.uri instanceof vscode.Uri && isDump(input.uri) ? input.uri : undefined;
}

async function pickDump(): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles(DUMP_GLOB, '**/{node_modules,.git}/**', 5000);
  if (files.length === 0) {
    void vscode.window.showInformationMessage('No embedding dumps (.npy, .npz, .safetensors, .fvecs, .bvecs, .tsv, .csv) found in this workspace.');
    return undefined;
  }
  const items = files
    .map(uri => ({ label: vscode.workspace.asRelativePath(uri, false), description: path.extname(uri.fsPath).slice(1), uri }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const picked = await vscode.window.showQuickPick(items, { title: 'Analyze which embedding dump?', placeHolder: 'Type to filter workspace dumps', matchOnDescription: true });
  return picked?.uri;
}

export function registerCommands(panels: ReportPanels, service: AnalysisService): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(ANALYZE_FILE_COMMAND, async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : activeDump() ?? await pickDump();
      if (!target) return;
      if (target.scheme !== 'file') {
        void vscode.window.showErrorMessage(`Embedding Diagnostics reads files on disk; ${target.toString()} is not one.`);
        return;
      }
      await panels.show(target.fsPath);
    }),
    vscode.commands.registerCommand(OPEN_REPORT_COMMAND, async (fsPath?: string) => {
      if (typeof fsPath === 'string') await panels.show(fsPath);
    }),
    vscode.commands.registerCommand(CLEAR_CACHE_COMMAND, () => {
      service.clear();
      vscode.window.setStatusBarMessage('$(check) Embedding Diagnostics cache cleared', 3000);
    }),
  ];
}
