/**
 * Finds quoted strings in source text that name an embedding dump, e.g. the
 * "runs/emb.npy" in np.load("runs/emb.npy"). Pure, so hovers and diagnostics
 * share it and tests need no editor.
 */
export interface PathLiteral {
  /** The path as written, without quotes. */
  value: string;
  /** Offsets of the path inside the text (without the quotes). */
  start: number;
  end: number;
}

/** Single-, double- or back-quoted strings on one line; escaped quotes are kept inside. */
const QUOTED = /(["'`])((?:\\.|(?!\1)[^\\\r\n])*)\1/g;

/**
 * Every quoted literal in `text` whose value ends in one of `extensions` (lower-case,
 * with the dot), ignoring case and a trailing `#fragment` or `?query`. Python string
 * prefixes (r"", f"") need nothing: the prefix sits outside the quotes.
 */
export function findPathLiterals(text: string, extensions: readonly string[]): PathLiteral[] {
  const out: PathLiteral[] = [];
  QUOTED.lastIndex = 0;
  for (let m = QUOTED.exec(text); m; m = QUOTED.exec(text)) {
    const value = m[2];
    if (value.length === 0 || value.length > 1024 || value.includes('{')) continue; // f-string templates are not paths
    const lower = value.toLowerCase();
    if (extensions.some(ext => lower.endsWith(ext))) {
      const start = m.index + 1;
      out.push({ value: value.replace(/\\\\/g, '\\'), start, end: start + value.length });
    }
  }
  return out;
}

/** The literal covering `offset` (inclusive of the closing position), if any. */
export function pathLiteralAt(text: string, offset: number, extensions: readonly string[]): PathLiteral | undefined {
  return findPathLiterals(text, extensions).find(l => offset >= l.start && offset <= l.end);
}
