/**
 * Every expected failure (bad input, unsupported content, truncated file) is an
 * EmbdiagError with a stable code, so the CLI, the hover and the diagnostics can
 * say what went wrong and what would fix it. Anything else is a bug.
 */
export type EmbdiagErrorCode =
  | 'file-missing' | 'not-a-file' | 'unreadable' | 'file-changed'
  | 'unknown-format' | 'bad-header' | 'truncated' | 'invalid-range'
  | 'unsupported-dtype' | 'pickle-refused' | 'array-not-found' | 'no-array'
  | 'bad-shape' | 'bad-text' | 'too-large' | 'cancelled' | 'bad-argument' | 'internal'
  | 'bad-archive' | 'non-finite' | 'unsupported-encryption';

export class EmbdiagError extends Error {
  constructor(readonly code: EmbdiagErrorCode, message: string, readonly hint?: string) {
    super(hint ? `${message} ${hint}` : message);
    this.name = 'EmbdiagError';
  }
}

export function isEmbdiagError(e: unknown): e is EmbdiagError {
  return e instanceof EmbdiagError;
}
