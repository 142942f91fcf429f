import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, OpenDumpOptions, ReaderFinding } from './dumpFile';
import { checkRowRange, fileStem, findArray } from './npy';

const CHUNK = 1 << 20;
const MAX_READ_BYTES = 16 << 20;
const NL = 10;
const CR = 13;
const SPACE = 32;

/** Byte offsets of the data lines: starts[i] is row i's first byte; starts[rows] the end of the last row. */
interface LineIndex {
  starts: Float64Array;
  /** Lines (header included) found; starts has lines + 1 entries. */
  lines: number;
  /** Cells per line (all lines share it). */
  fields: number;
}

/**
 * TensorBoard-projector .tsv (tab-separated numbers, no header) and .csv (comma-separated, header
 * row detected when the first row has a non-numeric cell). One pass indexes line offsets; rows
 * are parsed when read. Quoted cells containing the delimiter are not supported.
 */
export async function openDelimited(source: ByteSource, options: OpenDumpOptions, kind: 'tsv' | 'csv'): Promise<DumpFile> {
  const delimiter = kind === 'tsv' ? 9 : 44;
  const index = await indexLines(source, delimiter);
  if (index.lines === 0) {
    throw new EmbdiagError('bad-text', `${source.name}: contains no data rows.`, `Write one vector per line, values separated by ${kind === 'tsv' ? 'tabs' : 'commas'}.`);
  }
  const notes: string[] = [];
  let headerLines = 0;
  const first = await source.read(index.starts[0], index.starts[1] - index.starts[0]);
  const cells = splitCells(utf8.decode(first).replace(/\r?\n$/, ''), kind === 'tsv' ? '\t' : ',');
  const nonNumeric = cells.find(c => parseCell(c) === undefined);
  if (nonNumeric !== undefined) {
    if (kind === 'tsv') {
      throw new EmbdiagError('bad-text', `${source.name}: line 1 holds ${JSON.stringify(nonNumeric.slice(0, 40))}, which is not a number.`,
        'Projector tensor files (.tsv) have no header row and only numbers; labels belong in metadata.tsv.');
    } else {
      headerLines = 1;
      const names = cells.map(c => unquote(c.trim()));
      notes.push(`Header row: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}.`);
    }
  }
  const rows = index.lines - headerLines;
  const dim = index.fields;
  const name = fileStem(options.fileName);
  const info: ArrayInfo = { name, dtype: 'float64', shape: [rows, dim], analysable: rows > 0 };
  if (rows === 0) info.reason = 'it has a header row but no data rows';

  const findings: ReaderFinding[] = [];
  if (kind === 'tsv' && options.openSibling && fileStem(options.fileName).toLowerCase() !== 'metadata') {
    const meta = await options.openSibling('metadata.tsv');
    if (meta) {
      try {
        const m = await countMetadata(meta);
        notes.push(m.columns > 1
          ? `metadata.tsv: ${m.rows} label rows, ${m.columns} columns (first line is a header).`
          : `metadata.tsv: ${m.rows} labels (one column, no header).`);
        if (m.rows !== rows) {
          findings.push({
            code: 'metadata-mismatch', severity: 'warning',
            message: `metadata.tsv has ${m.rows} label rows${m.columns > 1 ? ' (after its header line)' : ''}, but ${source.name} has ${rows} vectors; the TensorBoard projector needs one label row per vector. Re-export both files together.`,
          });
        }
      } finally {
        await meta.close();
      }
    }
  }

  return {
    format: kind,
    arrays: [info],
    notes,
    findings,
    async open(requested?: string): Promise<EmbeddingMatrix> {
      findArray(source.name, [info], requested);
      if (!info.analysable) throw new EmbdiagError('bad-text', `${source.name}: ${info.reason}.`, 'Add data rows.');
      return new TextMatrix(source, name, index, headerLines, rows, dim, delimiter, notes.slice());
    },
  };
}

/** One pass over the file in 1 MiB chunks: line offsets, and a check that every line has the same number of cells. */
async function indexLines(source: ByteSource, delimiter: number): Promise<LineIndex> {
  const indexer = new LineIndexer(source.name, delimiter);
  for (let offset = 0; offset < source.size;) {
    const chunk = await source.read(offset, Math.min(CHUNK, source.size - offset));
    indexer.scan(chunk, offset);
    offset += chunk.length;
  }
  return indexer.finish(source.size);
}

class LineIndexer {
  private starts = new Float64Array(1024);
  private lines = 0;
  private fields = -1;
  private lineStart = 0;
  private lineFields = 1;
  private hasContent = false;
  private blankLine = 0; // number of the first blank line seen, if any
  private lineNo = 1;

  constructor(private readonly name: string, private readonly delimiter: number) {}

  scan(chunk: Uint8Array, offset: number): void {
    const delimiter = this.delimiter;
    let i = 0;
    if (offset === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) { i = 3; this.lineStart = 3; } // UTF-8 BOM
    // Hot loop on locals; the state goes back to fields only at line ends.
    let fields = this.lineFields;
    let content = this.hasContent;
    for (const n = chunk.length; i < n; i++) {
      const b = chunk[i];
      if (b === NL) {
        this.lineFields = fields;
        this.hasContent = content || fields > 1;
        this.endLine(offset + i + 1);
        fields = 1;
        content = false;
      } else if (b === delimiter) fields++;
      else if (!content && b !== CR && b !== SPACE) content = true;
    }
    this.lineFields = fields;
    this.hasContent = content || fields > 1;
  }

  finish(size: number): LineIndex {
    if (this.lineStart < size) this.endLine(size);
    return { starts: this.starts, lines: this.lines, fields: Math.max(this.fields, 0) };
  }

  private bad(problem: string): EmbdiagError {
    return new EmbdiagError('bad-text', `${this.name}: ${problem}.`,
      `Every line must hold the same number of ${this.delimiter === 9 ? 'tab' : 'comma'}-separated numbers.`);
  }

  private endLine(end: number): void {
    if (!this.hasContent) {
      if (!this.blankLine) this.blankLine = this.lineNo;
    } else {
      if (this.blankLine) throw this.bad(`line ${this.blankLine} is empty, but data follows on line ${this.lineNo}`);
      if (this.fields < 0) this.fields = this.lineFields;
      else if (this.lineFields !== this.fields) throw this.bad(`line ${this.lineNo} has ${this.lineFields} cells, but line 1 has ${this.fields}`);
      if (this.lines + 2 > this.starts.length) {
        const grown = new Float64Array(this.starts.length * 2);
        grown.set(this.starts);
        this.starts = grown;
      }
      this.starts[this.lines] = this.lineStart;
      this.starts[this.lines + 1] = end;
      this.lines++;
    }
    this.lineNo++;
    this.lineStart = end;
    this.lineFields = 1;
    this.hasContent = false;
  }
}

function splitCells(line: string, delimiter: string): string[] {
  return line.split(delimiter);
}

function unquote(cell: string): string {
  return cell.length >= 2 && cell[0] === '"' && cell[cell.length - 1] === '"' ? cell.slice(1, -1) : cell;
}

/** A number as numpy.savetxt / pandas write it (incl. nan, inf, -inf), or undefined. */
export function parseCell(raw: string): number | undefined {
  // Fast path: unary plus parses (and trims) plain numbers; it also turns blank text into 0, hence the digit check.
  const fast = +raw;
  if (fast === fast && (fast !== 0 || /[0-9]/.test(raw))) return fast;
  const cell = unquote(raw.trim()).trim();
  if (cell === '') return undefined;
  const v = Number(cell);
  if (!Number.isNaN(v)) return v;
  switch (cell.toLowerCase()) {
    case 'nan': case '+nan': case '-nan': return NaN;
    case 'inf': case '+inf': case 'infinity': case '+infinity': return Infinity;
    case '-inf': case '-infinity': return -Infinity;
    default: return undefined;
  }
}

async function countMetadata(meta: ByteSource): Promise<{ rows: number; columns: number }> {
  let lines = 0;
  let columns = 1;
  let firstLineDone = false;
  let lastByte = NL;
  for (let offset = 0; offset < meta.size; offset += CHUNK) {
    const chunk = await meta.read(offset, Math.min(CHUNK, meta.size - offset));
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === NL) { lines++; firstLineDone = true; } else if (b === 9 && !firstLineDone) columns++;
    }
    if (chunk.length) lastByte = chunk[chunk.length - 1];
  }
  if (lastByte !== NL) lines++; // last line without a newline
  return { rows: columns > 1 ? Math.max(0, lines - 1) : lines, columns };
}

class TextMatrix implements EmbeddingMatrix {
  readonly dtype = 'float64';
  readonly shape: readonly number[];

  constructor(private readonly source: ByteSource, readonly name: string, private readonly index: LineIndex,
    private readonly headerLines: number, readonly rows: number, readonly dim: number,
    private readonly delimiter: number, readonly notes: string[]) {
    this.shape = [rows, dim];
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.source.name, this.name, this.rows, start, count);
    const out = new Float64Array(count * this.dim);
    const starts = this.index.starts;
    for (let done = 0; done < count;) {
      // Group rows into reads of at most MAX_READ_BYTES (at least one row).
      const first = this.headerLines + start + done;
      let last = first + 1;
      while (last < this.headerLines + start + count && starts[last + 1] - starts[first] <= MAX_READ_BYTES) last++;
      const base = starts[first];
      const bytes = await this.source.read(base, starts[last] - base);
      for (let line = first; line < last; line++, done++) {
        const bad = parseLineBytes(bytes, starts[line] - base, starts[line + 1] - base, this.delimiter, this.dim, out, done * this.dim);
        if (bad) {
          const cell = utf8.decode(bytes.subarray(bad.from, bad.to));
          throw new EmbdiagError('bad-text', `${this.source.name}: line ${line + 1}, column ${bad.column + 1}: ${JSON.stringify(cell.length > 40 ? cell.slice(0, 40) + '…' : cell)} is not a number.`,
            'Every cell must be a number (nan and inf are accepted); remove header or label columns.');
        }
      }
    }
    return out;
  }
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const utf8 = new TextDecoder('utf-8');

/**
 * Parses the cells of one line, bytes [from, to), into out[at .. at + dim). The index pass already
 * checked the cell count. Returns the bad cell, if any.
 */
function parseLineBytes(b: Uint8Array, from: number, to: number, delimiter: number, dim: number, out: Float64Array, at: number):
  { column: number; from: number; to: number } | undefined {
  while (to > from && (b[to - 1] === NL || b[to - 1] === CR)) to--;
  let p = from;
  for (let c = 0; c < dim; c++) {
    let end = p;
    if (c === dim - 1) end = to;
    else while (end < to && b[end] !== delimiter) end++;
    const v = parseNumberBytes(b, p, end);
    if (v === undefined) return { column: c, from: p, to: end };
    out[at + c] = v;
    p = end + 1;
  }
  return undefined;
}

/**
 * A decimal number from bytes. Up to 15 significant digits and |exponent| <= 22 take the exact
 * fast path (an integer times or divided by an exact power of ten rounds once, like numpy's
 * correctly rounded parse); anything else (nan, inf, quotes, long mantissas) goes through parseCell.
 */
export function parseNumberBytes(b: Uint8Array, a: number, e: number): number | undefined {
  while (a < e && b[a] === SPACE) a++;
  while (e > a && b[e - 1] === SPACE) e--;
  let p = a;
  let negative = false;
  if (p < e && (b[p] === 45 || b[p] === 43)) { negative = b[p] === 45; p++; }
  let mantissa = 0;
  let digits = 0;
  let exp10 = 0;
  let any = false;
  for (; p < e; p++) {
    const d = b[p] - 48;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
    if (mantissa !== 0) digits++;
    any = true;
  }
  if (p < e && b[p] === 46) {
    for (p++; p < e; p++) {
      const d = b[p] - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      if (mantissa !== 0) digits++;
      exp10--;
      any = true;
    }
  }
  if (any && p < e && (b[p] === 101 || b[p] === 69)) {
    p++;
    let expNegative = false;
    if (p < e && (b[p] === 45 || b[p] === 43)) { expNegative = b[p] === 45; p++; }
    let exp = 0;
    let expDigits = 0;
    for (; p < e; p++) {
      const d = b[p] - 48;
      if (d < 0 || d > 9) break;
      exp = Math.min(exp * 10 + d, 100000);
      expDigits++;
    }
    if (!expDigits) any = false;
    exp10 += expNegative ? -exp : exp;
  }
  if (any && p === e && digits <= 15 && exp10 >= -22 && exp10 <= 22) {
    const v = exp10 >= 0 ? mantissa * POW10[exp10] : mantissa / POW10[-exp10];
    return negative ? -v : v;
  }
  return parseCell(utf8.decode(b.subarray(a, e)));
}
