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

/** Every quoted string of `text` that could be a path (not empty, not huge, not an f-string template). */
function quotedPaths(text: string): PathLiteral[] {
  const out: PathLiteral[] = [];
  QUOTED.lastIndex = 0;
  for (let m = QUOTED.exec(text); m; m = QUOTED.exec(text)) {
    const value = m[2];
    if (value.length === 0 || value.length > 1024 || value.includes('{')) continue; // f-string templates are not paths
    const start = m.index + 1;
    out.push({ value: value.replace(/\\\\/g, '\\'), start, end: start + value.length });
  }
  return out;
}

/** `*` or `?`: a glob, which names a dataset of shards rather than one file. */
export const isGlobLiteral = (value: string) => /[*?]/.test(value);

/**
 * Every quoted literal in `text` whose value ends in one of `extensions` (lower-case,
 * with the dot), ignoring case. Python string prefixes (r"", f"") need nothing: the prefix
 * sits outside the quotes. Globs are left out (see findDatasetLiterals).
 */
export function findPathLiterals(text: string, extensions: readonly string[]): PathLiteral[] {
  return quotedPaths(text).filter(l => !isGlobLiteral(l.value) && extensions.some(ext => l.value.toLowerCase().endsWith(ext)));
}

/** A literal naming a dataset: a glob of dump files, or a folder used as a dataset. */
export interface DatasetLiteral extends PathLiteral { kind: 'glob' | 'folder' }

/**
 * Calls and arguments that take a folder of shards (Hugging Face datasets, pyarrow, pandas, glob;
 * not load_dataset's first argument, a builder name like "parquet"):
 * a quoted path right after one of them may be a folder used as a dataset.
 */
const DATASET_CONTEXT = /(?:\b(?:data_dir|data_files|path|source)\s*=\s*|\b(?:ParquetDataset|dataset|load_from_disk|read_parquet|read_table|glob|iglob|listdir|scandir|iterdir)\s*\(\s*(?:[\w.]+\s*=\s*)?)[rRbBuU]?$/;

/**
 * Every quoted literal in `text` that names a dataset: a glob (`*`, `?`) ending in one of
 * `extensions`, e.g. "runs/emb-*.npy", or a path without a file extension (or ending in `/`)
 * passed where a dataset folder goes, e.g. data_dir="data/train". Whether a folder holds dumps is
 * for the caller to check on disk.
 */
export function findDatasetLiterals(text: string, extensions: readonly string[]): DatasetLiteral[] {
  const out: DatasetLiteral[] = [];
  for (const l of quotedPaths(text)) {
    const lower = l.value.toLowerCase();
    if (isGlobLiteral(l.value)) {
      if (extensions.some(ext => lower.endsWith(ext))) out.push({ ...l, kind: 'glob' });
      continue;
    }
    if (/\s/.test(l.value.trim()) || /:\/\//.test(l.value)) continue; // prose and URLs
    const last = l.value.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
    const endsWithSlash = /[\\/]$/.test(l.value) && l.value.length > 1;
    if (last === '' || (/\.\w+$/.test(last) && !endsWithSlash)) continue; // a file, not a folder
    const lineStart = text.lastIndexOf('\n', l.start - 2) + 1;
    const before = text.slice(lineStart, l.start - 1);
    if (endsWithSlash || DATASET_CONTEXT.test(before)) out.push({ ...l, kind: 'folder' });
  }
  return out;
}

/** The dataset literal covering `offset`, if any. */
export function datasetLiteralAt(text: string, offset: number, extensions: readonly string[]): DatasetLiteral | undefined {
  return findDatasetLiterals(text, extensions).find(l => offset >= l.start && offset <= l.end);
}

/** The literal covering `offset` (inclusive of the closing position), if any. */
export function pathLiteralAt(text: string, offset: number, extensions: readonly string[]): PathLiteral | undefined {
  return findPathLiterals(text, extensions).find(l => offset >= l.start && offset <= l.end);
}

/** Calls that write the file named by their first quoted argument: np.save("x.npy", …), df.to_parquet(…), ds.to_zarr(…). */
const WRITE_CALL_BEFORE = /\b(save\w*|to_\w+|write\w*|dump\w*|savetxt|tofile)\s*\(/;
/** Calls that create the store they name when given a writing mode: zarr.open("x.zarr", mode="w"), zarr.ZipStore(…, mode="a"). */
const WRITE_MODE_AFTER = /^[^)]*\bmode\s*=\s*["'](?:w|w-|a|x|r\+)["']/;

/**
 * True when the literal is being written rather than read: `before` is its line up to the opening
 * quote, `after` the line after the closing quote. A missing file there is expected.
 */
export function isWrittenHere(before: string, after: string): boolean {
  return WRITE_CALL_BEFORE.test(before) || WRITE_MODE_AFTER.test(after);
}
