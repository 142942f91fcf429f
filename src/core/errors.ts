/**
 * Every expected failure (bad input, unsupported content, truncated file) is an
 * EmbdiagError with a stable code, so the CLI, the hover and the diagnostics can
 * say what went wrong and what would fix it. Anything else is a bug.
 */
export type EmbdiagErrorCode =
  | 'file-missing' | 'not-a-file' | 'unreadable' | 'file-changed'
  | 'unknown-format' | 'bad-header' | 'truncated' | 'invalid-range'
  | 'unsupported-dtype' | 'unsupported-compression' | 'pickle-refused' | 'array-not-found' | 'no-array'
  | 'bad-shape' | 'bad-text' | 'too-large' | 'cancelled' | 'bad-argument' | 'internal'
  | 'bad-archive' | 'non-finite' | 'unsupported-encryption'
  | 'unsupported-faiss-index' | 'raw-needs-shape' | 'raw-size-mismatch';

export class EmbdiagError extends Error {
  /**
   * What a developer needs and a user does not: the JavaScript exception text and stack behind
   * a refusal or an internal error. Never part of `message`; shown by `--verbose` and written
   * to the extension's output channel.
   */
  readonly detail?: string;

  constructor(readonly code: EmbdiagErrorCode, message: string, readonly hint?: string, options: { detail?: string } = {}) {
    const engine = withoutEngineText(message);
    super(escapeControlCharacters(hint ? `${engine.message} ${hint}` : engine.message));
    this.name = 'EmbdiagError';
    const detail = [engine.removed, options.detail].filter(Boolean).join('\n');
    if (detail) this.detail = detail;
  }
}

export function isEmbdiagError(e: unknown): e is EmbdiagError {
  return e instanceof EmbdiagError;
}

/**
 * Control characters (C0 but tab, DEL, C1) written as \xNN: a message may quote a cell or a
 * name from a hostile file, and raw NUL, escape or carriage-return bytes would corrupt a
 * terminal, a log or a JSON consumer. A line feed becomes the two characters \n: messages are
 * one line.
 */
export function escapeControlCharacters(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, c =>
    c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Phrases of the JavaScript engine's own exceptions (V8): text for a programmer, which says
 * nothing true about the file. When a reader wraps one into its message, the safety net below
 * takes it out of the message and keeps it in `detail`.
 */
const ENGINE_PHRASES = /Cannot (?:destructure|read|set) propert|is not a function|is not iterable|is not a constructor|Invalid typed array length|Invalid array length|Offset is outside the bounds of the DataView|Start offset -?\d+ is outside the bounds|argument must be an instance of|Maximum call stack size exceeded|Array buffer allocation failed|Cannot convert (?:undefined|null|a BigInt)|of undefined\b/;

/** Replaces each parenthesised group (or, unparenthesised, the whole message) that quotes an engine exception. */
function withoutEngineText(message: string): { message: string; removed: string } {
  if (!ENGINE_PHRASES.test(message)) return { message, removed: '' };
  const removed: string[] = [];
  let out = message.replace(/\(([^()]*)\)/g, (group, inner: string) => {
    if (!ENGINE_PHRASES.test(inner)) return group;
    removed.push(inner);
    return '(a structure this reader could not follow)';
  });
  if (ENGINE_PHRASES.test(out)) {
    removed.push(out);
    const lead = /^([^:]*\.[A-Za-z0-9]+):/.exec(message);
    out = `${lead ? `${lead[1]}: ` : ''}the content is not laid out as this reader expects (the file may be damaged, or use a feature this reader does not handle).`;
  }
  return { message: out, removed: removed.join('\n') };
}

/** A sentence for an exception thrown somewhere a file's content could not have caused it. */
export const PLEASE_REPORT = 'This is a bug in embdiag: please report it (run the CLI again with --verbose, or see the "Embedding Diagnostics" output channel, for the details to include).';

/**
 * Any thrown value as an EmbdiagError: ours unchanged, anything else as `internal` with a plain
 * sentence; the JavaScript text and stack go into `detail` only.
 */
export function asEmbdiagError(e: unknown, what = 'The analysis'): EmbdiagError {
  if (isEmbdiagError(e)) return e;
  return new EmbdiagError('internal', `${what} stopped on an internal error.`, PLEASE_REPORT, { detail: engineDetail(e) });
}

/** The stack (or text) of a thrown value, for `detail`. */
export function engineDetail(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}
