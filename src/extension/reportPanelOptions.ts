import type * as vscode from 'vscode';

/**
 * How VS Code hosts a report webview, as a panel or as the custom editor of a dump. Pure (types
 * only from 'vscode') so it is unit-tested under Node.
 *
 * A hidden report keeps its page (retainContextWhenHidden). Otherwise VS Code discards the page of
 * a tab another one covers, cancelling whatever it was still loading, and reloads it (a 450 kB
 * script and the report again) when it is shown. In code-server every webview shares one origin and
 * one service worker, which each new webview updates: a load cancelled that way leaves the worker's
 * fetch open until its 30 s timeout, and until then the next webview stays blank. A report opened
 * and at once covered by another would come back only after that.
 */
export const REPORT_PANEL_OPTIONS = {
  enableScripts: true,
  retainContextWhenHidden: true,
} as const satisfies vscode.WebviewPanelOptions & vscode.WebviewOptions;

export const DUMP_EDITOR_OPTIONS = {
  supportsMultipleEditorsPerDocument: true,
  webviewOptions: { retainContextWhenHidden: true },
} as const satisfies { supportsMultipleEditorsPerDocument?: boolean; webviewOptions?: vscode.WebviewPanelOptions };
