/**
 * Closing editors in the integration tests without stalling the next webview.
 *
 * code-server serves every webview from one origin through one service worker, and each new
 * webview updates that worker. A webview closed while the worker waits for one of its resources
 * (a panel closed right after its first render, while its icon font still loads) leaves that fetch
 * open until the worker's 30 s timeout, and until then the updated worker cannot take over: the
 * next panel stays blank for ~30 s. So, under our runner (scripts/e2e/run-ext-tests.mjs, which
 * watches the browser's requests and sets E2E_WEBVIEW_SETTLED_URL), editors are closed once no
 * webview resource is in flight. Elsewhere (desktop VS Code, where each webview has its own
 * origin) they are closed at once.
 */
import * as vscode from 'vscode';

interface SettledAnswer { settled: boolean; waitedMs: number; pending?: string[] }

/** Resolves once the browser has no webview resource in flight (at once outside our runner). */
export async function whenWebviewResourcesSettled(): Promise<SettledAnswer> {
  const url = process.env.E2E_WEBVIEW_SETTLED_URL;
  if (!url) return { settled: true, waitedMs: 0 };
  const response = await fetch(url);
  return await response.json() as SettledAnswer;
}

export async function closeAllEditors(): Promise<void> {
  await whenWebviewResourcesSettled();
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
