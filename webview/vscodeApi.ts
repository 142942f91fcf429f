import type { WebviewToHost } from '../src/shared/protocol';
import type { PersistedState } from './messages';

/** The part of the webview API VS Code injects that this page uses. */
export interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

/** acquireVsCodeApi may be called once per page; this keeps the one instance. */
export function vscodeApi(): VsCodeApi {
  // the page's inline bootstrap (src/extension/panelHtml.ts) acquired it first
  api ??= (globalThis as { __embdiagVsCodeApi?: VsCodeApi }).__embdiagVsCodeApi ?? acquireVsCodeApi();
  return api;
}

export function post(message: WebviewToHost): void {
  vscodeApi().postMessage(message);
}
