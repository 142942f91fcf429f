import { asEmbdiagError } from '../core/errors';

/**
 * What the CLI prints for a failure: always our own sentence and code; the JavaScript exception
 * text and stack (EmbdiagError.detail) only with --verbose, as JSON `detail` or on stderr.
 */
export function cliErrorOutput(e: unknown, how: { json: boolean; verbose: boolean; doing: string }): { stdout: string; stderr: string } {
  const err = asEmbdiagError(e, how.doing);
  const detail = how.verbose ? err.detail : undefined;
  if (how.json) {
    return { stdout: JSON.stringify({ error: { code: err.code, message: err.message, ...(detail ? { detail } : {}) } }, null, 2) + '\n', stderr: '' };
  }
  return { stdout: '', stderr: `embdiag: ${err.message}\n${detail ? `${detail}\n` : ''}` };
}
