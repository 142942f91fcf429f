import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ReaderFinding, ValueColumn } from './dumpFile';
import { readByRuns } from './valueColumns';
import { checkRowRange, fileStem, findArray } from './npy';
import { parseNumberBytes } from './delimited';
import { forEachLine } from './textLines';

/**
 * Word vectors in text: word2vec/fastText `.vec` (a header line `N d`, then `word v1 … vd` per
 * line, as gensim's save_word2vec_format and fastText write them) and GloVe `.txt` (no header; the
 * dimension is the first line's). One pass keeps every line's offset, checks that every line ends
 * in d values and collects the words; values are parsed when read. The values are the last d
 * space-separated fields, so a word holding spaces (which gensim writes as is) stays one word.
 */

const MAX_LINE_BYTES = 16 << 20;
const MAX_READ_BYTES = 16 << 20;
/** Words remembered to find duplicates; beyond, the check stops (and says so) to bound memory. */
const MAX_WORDS_CHECKED = 5_000_000;
const MAX_DIM = 1 << 20;
const SPACE = 32;
/** Bytes looked at to recognise word vectors. */
export const WORD_VECTOR_SNIFF_BYTES = 1 << 16;

export type WordVectorFormat = 'word2vec-text' | 'glove' | 'word2vec-binary';

const utf8 = new TextDecoder('utf-8');

// ---- recognising ----------------------------------------------------------------------------------

/** `N d` header: two positive decimal integers. */
export function parseHeader(bytes: Uint8Array, from: number, to: number): { count: number; dim: number } | undefined {
  const m = /^ *(\d{1,15}) +(\d{1,9}) *\r?$/.exec(latin1(bytes, from, to));
  if (!m) return undefined;
  const count = Number(m[1]);
  const dim = Number(m[2]);
  return dim >= 1 && dim <= MAX_DIM ? { count, dim } : undefined;
}

/** At most 64 bytes as text (a header is short); a longer line gets a NUL appended, which no header pattern matches. */
function latin1(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < Math.min(to, from + 64); i++) s += String.fromCharCode(bytes[i]);
  return to - from > 64 ? s + '\u0000' : s;
}

/**
 * What the first bytes of a file say: word2vec text (a header, then a line of a word and d
 * numbers), word2vec binary (a header, then a word, a space and raw bytes), GloVe (no header; the
 * first lines are a word and the same number, at least 2, of numbers, and not every line starts
 * with a number, which np.savetxt output would), or none of them.
 */
export function sniffWordVectors(head: Uint8Array): WordVectorFormat | undefined {
  const lines: [number, number][] = [];
  for (let from = 0; lines.length < 4;) {
    const nl = head.indexOf(10, from);
    if (nl < 0) break;
    lines.push([from, nl]);
    from = nl + 1;
  }
  if (!lines.length) return undefined;
  const header = parseHeader(head, lines[0][0], lines[0][1]);
  if (header) {
    const start = lines[0][1] + 1;
    const next = lines[1];
    if (next && wordLine(head, next[0], next[1], header.dim)) return 'word2vec-text';
    // binary: a word without spaces or control bytes, then a space and the raw values
    const space = head.indexOf(SPACE, start);
    if (space <= start || space - start > 1024) return undefined;
    for (let i = start; i < space; i++) if (head[i] < 32 && head[i] !== 10) return undefined;
    return 'word2vec-binary';
  }
  const complete = lines.filter(([a, b]) => b > a);
  if (complete.length < Math.min(3, lines.length) || complete.length === 0) return undefined;
  const fields = (a: number, b: number) => splitFields(head, a, b).length;
  const n = fields(complete[0][0], complete[0][1]);
  if (n < 3) return undefined;
  let wordStarts = 0;
  for (const [a, b] of complete) {
    if (!wordLine(head, a, b, n - 1) || fields(a, b) !== n) return undefined;
    const first = splitFields(head, a, b)[0];
    if (parseNumberBytes(head, first[0], first[1]) === undefined) wordStarts++;
  }
  return wordStarts > 0 ? 'glove' : undefined;
}

/** Space-separated fields of bytes [from, to) (trailing CR and spaces ignored). */
function splitFields(b: Uint8Array, from: number, to: number): [number, number][] {
  while (to > from && (b[to - 1] === 13 || b[to - 1] === SPACE)) to--;
  const out: [number, number][] = [];
  let i = from;
  while (i < to) {
    while (i < to && b[i] === SPACE) i++;
    const s = i;
    while (i < to && b[i] !== SPACE) i++;
    if (i > s) out.push([s, i]);
  }
  return out;
}

/** True when the line is a word, then exactly d numbers. */
function wordLine(b: Uint8Array, from: number, to: number, dim: number): boolean {
  const split = splitWord(b, from, to, dim);
  if (!split) return false;
  for (let i = 0; i < dim; i++) if (parseNumberBytes(b, split.values[i][0], split.values[i][1]) === undefined) return false;
  return !/[\t\0]/.test(utf8.decode(b.subarray(from, split.wordEnd)));
}

/**
 * The word and the d value fields of a line: the values are the last d fields, the word all
 * before them (spaces included). Undefined when the line has fewer than d + 1 fields.
 */
function splitWord(b: Uint8Array, from: number, to: number, dim: number): { wordEnd: number; values: [number, number][] } | undefined {
  while (to > from && (b[to - 1] === 13 || b[to - 1] === SPACE)) to--;
  const values: [number, number][] = new Array(dim);
  let p = to;
  for (let k = dim - 1; k >= 0; k--) {
    while (p > from && b[p - 1] === SPACE) p--;
    const e = p;
    while (p > from && b[p - 1] !== SPACE) p--;
    if (p === e) return undefined;
    values[k] = [p, e];
  }
  while (p > from && b[p - 1] === SPACE) p--;
  return p > from ? { wordEnd: p, values } : undefined;
}

// ---- duplicate words ----------------------------------------------------------------------------

/** Collects words to report duplicates (gensim keeps the first vector of a repeated word and drops the others). */
export class DuplicateWords {
  private readonly seen = new Set<string>();
  private duplicates = 0;
  private example: { word: string; row: number } | undefined;
  private stopped = false;

  add(word: string, row: number): void {
    if (this.stopped) return;
    if (this.seen.has(word)) {
      this.duplicates++;
      this.example ??= { word, row };
      return;
    }
    if (this.seen.size >= MAX_WORDS_CHECKED) { this.stopped = true; this.seen.clear(); return; }
    this.seen.add(word);
  }

  findings(): ReaderFinding[] {
    if (!this.duplicates) return [];
    const e = this.example!;
    return [{
      code: 'duplicate-words', severity: 'warning',
      message: `${this.duplicates} vector${this.duplicates === 1 ? ' has a word' : 's have words'} seen before (e.g. ${JSON.stringify(e.word.slice(0, 60))} again at row ${e.row}). gensim keeps only the first vector of a repeated word (lookups by word never see the others); here every row is analysed.`,
    }];
  }

  notes(): string[] {
    return this.stopped ? [`Duplicate words were checked among the first ${MAX_WORDS_CHECKED.toLocaleString('en')} words only.`] : [];
  }
}

export function wordOf(bytes: Uint8Array, from: number, to: number): string {
  return utf8.decode(bytes.subarray(from, to));
}

// ---- text formats -------------------------------------------------------------------------------

/** Opens a word2vec/fastText text file (`.vec`) or a GloVe file (`.txt`). */
export async function openWordVectorText(source: ByteSource, fileName: string, format: 'word2vec-text' | 'glove'): Promise<DumpFile> {
  const fix = format === 'glove'
    ? 'Each line of a GloVe file is a word, then the same number of space-separated values.'
    : 'A word2vec text file is a header line "N d", then one line per word: the word, then d space-separated values.';
  let header: { count: number; dim: number } | undefined;
  let dim = 0;
  let line = 0;
  let starts = new Float64Array(1024);
  let rows = 0;
  let blankLine = 0;
  const words = new DuplicateWords();
  await forEachLine(source, 0, source.size, MAX_LINE_BYTES, (b, from, to, base) => {
    line++;
    if (line === 1 && b[from] === 0xef && b[from + 1] === 0xbb && b[from + 2] === 0xbf) from += 3;
    if (line === 1 && format === 'word2vec-text') {
      header = parseHeader(b, from, to);
      if (!header) throw new EmbdiagError('bad-header', `${source.name}: line 1 is not a "count dimension" header.`, fix);
      dim = header.dim;
      return;
    }
    if (isBlank(b, from, to)) { blankLine ||= line; return; }
    // data lines are then numbered by their row, which read errors rely on
    if (blankLine) throw new EmbdiagError('bad-text', `${source.name}: line ${blankLine} is empty, but vectors follow on line ${line}.`, fix);
    if (dim === 0) dim = splitFields(b, from, to).length - 1;
    if (dim < 1) throw new EmbdiagError('bad-text', `${source.name}: line ${line} holds a single field, not a word and its values.`, fix);
    const split = splitWord(b, from, to, dim);
    if (!split) {
      const n = splitFields(b, from, to).length;
      throw new EmbdiagError('bad-shape', `${source.name}: line ${line} has ${n} fields, but a word and ${dim} values need ${dim + 1}.`, fix);
    }
    const word = wordOf(b, from, split.wordEnd);
    const inner = word.split(' ');
    if (inner.length > 1 && parseNumberBytes(new TextEncoder().encode(inner[inner.length - 1]), 0, inner[inner.length - 1].length) !== undefined) {
      throw new EmbdiagError('bad-shape', `${source.name}: line ${line} has more than ${dim} values after its word (${JSON.stringify(word.slice(0, 40))} ends in a number).`, fix);
    }
    if (rows + 2 > starts.length) {
      const grown = new Float64Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[rows] = base + from;
    starts[rows + 1] = base + to + (to < b.length ? 1 : 0);
    words.add(word, rows);
    rows++;
  });
  if (format === 'word2vec-text' && !header) throw new EmbdiagError('bad-header', `${source.name}: empty; a word2vec text file starts with a "count dimension" header.`, fix);
  if (header && header.count !== rows) {
    throw new EmbdiagError('bad-header', `${source.name}: the header declares ${header.count} vectors, but the file has ${rows} lines of vectors.`,
      'The file is truncated or was edited; re-save it (gensim: KeyedVectors.save_word2vec_format).');
  }
  if (rows === 0) throw new EmbdiagError('bad-text', `${source.name}: contains no vectors.`, fix);
  const name = fileStem(fileName);
  // gensim reads word2vec text as float32 (its default datatype); GloVe values are read as written
  const dtype = format === 'word2vec-text' ? 'float32' : 'float64';
  const info: ArrayInfo = { name, dtype, shape: [rows, dim], analysable: true };
  const notes = [`${rows.toLocaleString('en')} words; the word of each row is its label.`, ...words.notes()];
  return {
    format,
    arrays: [info],
    notes,
    findings: words.findings(),
    async open(requested?: string): Promise<EmbeddingMatrix> {
      findArray(source.name, [info], requested);
      return new WordTextMatrix(source, name, dtype, starts, rows, dim, header ? 1 : 0);
    },
    /** The word of each row: its label. */
    async valueColumns(): Promise<ValueColumn[]> {
      return [{
        name: 'word', kind: 'string', rows,
        read: rowList => readByRuns(rowList, async (first, end) => {
          const base = starts[first];
          const bytes = await source.read(base, starts[end] - base);
          return Array.from({ length: end - first }, (_, i) => {
            const split = splitWord(bytes, starts[first + i] - base, starts[first + i + 1] - base, dim);
            return split ? wordOf(bytes, starts[first + i] - base, split.wordEnd) : null;
          });
        }),
      }];
    },
  };
}

function isBlank(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== SPACE && b[i] !== 13 && b[i] !== 9) return false;
  return true;
}

class WordTextMatrix implements EmbeddingMatrix {
  readonly notes: string[] = [];
  readonly shape: readonly number[];

  constructor(private readonly source: ByteSource, readonly name: string, readonly dtype: string, private readonly starts: Float64Array,
    readonly rows: number, readonly dim: number, private readonly headerLines: number) {
    this.shape = [rows, dim];
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.source.name, this.name, this.rows, start, count);
    const out = new Float64Array(count * this.dim);
    const starts = this.starts;
    const round = this.dtype === 'float32' ? Math.fround : (v: number) => v;
    for (let done = 0; done < count;) {
      const first = start + done;
      let last = first + 1;
      while (last < start + count && starts[last + 1] - starts[first] <= MAX_READ_BYTES) last++;
      const base = starts[first];
      const bytes = await this.source.read(base, starts[last] - base);
      for (let row = first; row < last; row++, done++) {
        const split = splitWord(bytes, starts[row] - base, starts[row + 1] - base, this.dim);
        if (!split) throw new EmbdiagError('file-changed', `${this.source.name}: row ${row} changed since the file was opened.`, 'Analyse it again.');
        for (let j = 0; j < this.dim; j++) {
          const [a, e] = split.values[j];
          const v = parseNumberBytes(bytes, a, e);
          if (v === undefined) {
            const cell = utf8.decode(bytes.subarray(a, e));
            throw new EmbdiagError('bad-text', `${this.source.name}: line ${row + 1 + this.headerLines}, value ${j + 1}: ${JSON.stringify(cell.slice(0, 40))} is not a number.`,
              'Every field after the word must be a number.');
          }
          out[done * this.dim + j] = round(v);
        }
      }
    }
    return out;
  }
}
