/** Error: what failed (code and message) and a way to try again. */
import { html, type TemplateResult } from 'lit';
import { baseName } from './format';
import type { PageActions } from './layout';

export interface ErrorState { file: string; code: string; message: string }

export function errorView(e: ErrorState, actions: PageActions): TemplateResult {
  return html`<div class="state-view" id="error" role="alert">
    <div class="error-box">
      <vscode-icon name="error" class="sev-error error-icon" size="24"></vscode-icon>
      <div class="state-body">
        <h2>Could not analyse <span class="file-name">${baseName(e.file)}</span></h2>
        <p class="muted path" title=${e.file}>${e.file}</p>
        <p class="error-line"><code id="error-code">${e.code}</code></p>
        <p id="error-message" class="error-message">${e.message}</p>
        <div class="actions">
          <vscode-button icon="refresh" @click=${() => actions.reanalyze()}>Re-analyse</vscode-button>
        </div>
      </div>
    </div>
  </div>`;
}
