import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ValueColumn } from './dumpFile';
import { readByRuns } from './valueColumns';
import { checkRowRange } from './npy';
import { forEachLine } from './textLines';
import { decodeVector, describeVector, findVectorField, valueAtPath, VECTOR_FIELD_NAMES, type VectorEncoding } from './jsonVectors';

/** Longest line read: far beyond any embedding record (a 4096-dim float64 vector is about 100 KB of text). */
const MAX_LINE_BYTES = 64 << 20;
/** Every INDEX_STEP-th record's offset is kept: the index of a 10-million-line file is 2 MB. */
const INDEX_STEP = 64;

/**
 * Where every INDEX_STEP-th record starts: records[i * INDEX_STEP] begins at byte offsets[i],
 * on file line lineNumbers[i] (1-based; blank lines are not records but count as lines).
 */
interface LineIndex {
  records: number;
  offsets: Float64Array;
  lineNumbers: Float64Array;
}

/**
 * JSON Lines (.jsonl, .ndjson): one JSON record per line holding a vector, e.g. the responses of
 * an embedding API saved line by line ({"id": …, "text": …, "embedding": [...]}). One pass counts
 * the records and keeps a sparse line index; rows are parsed when read, from a ranged read that
 * starts at the nearest indexed line, so the file is never held in memory. Blank lines are skipped.
 */
export async function openJsonLines(source: ByteSource): Promise<DumpFile> {
  const index = await indexLines(source);
  if (index.records === 0) {
    throw new EmbdiagError('bad-text', `${source.name}: contains no JSON records.`, 'Write one JSON object per line, each holding its vector (e.g. "embedding": [...]).');
  }
  const first = await readRecords(source, index, 0, 1);
  const record = first[0];
  const field = findVectorField(record.value);
  const listed: ArrayInfo[] = [];
  const layouts = new Map<string, { encoding: VectorEncoding; dim: number }>();
  if (field !== undefined) {
    const layout = describeVector(source.name, `line ${record.line}`, field, valueAtPath(record.value, field));
    layouts.set(field, layout);
    listed.push({ name: field, dtype: layout.encoding === 'base64' ? 'float32' : 'float64', shape: [index.records, layout.dim], analysable: true });
  }
  return {
    format: 'jsonl',
    arrays: listed,
    notes: [],
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const path = requested ?? field;
      if (path === undefined) {
        throw new EmbdiagError('no-array', `${source.name}: line ${record.line} has none of the fields ${VECTOR_FIELD_NAMES.map(n => `'${n}'`).join(', ')} holding a vector.`,
          'Name the field with --array (a dot path, e.g. response.embedding).');
      }
      let layout = layouts.get(path);
      if (!layout) {
        const value = valueAtPath(record.value, path);
        if (value === undefined) {
          throw new EmbdiagError('array-not-found', `${source.name}: line ${record.line} has no field '${path}'.`,
            `Give a dot path to the vector (e.g. ${field ?? 'response.embedding'}).`);
        }
        layout = describeVector(source.name, `line ${record.line}`, path, value);
        layouts.set(path, layout);
      }
      return new JsonLinesMatrix(source, index, path, layout.encoding, layout.dim);
    },
    /** The first record's other top-level fields holding a string or a number (id, text, label, ...). */
    async valueColumns(): Promise<ValueColumn[]> {
      const value = record.value;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
      return Object.entries(value as Record<string, unknown>)
        .filter(([key, v]) => key !== field && (typeof v === 'string' || typeof v === 'number'))
        .map(([key, v]) => ({
          name: key, kind: typeof v === 'string' ? 'string' : Number.isInteger(v) ? 'integer' : 'float', rows: index.records,
          read: rows => readByRuns(rows, async (start, end) => {
            const values: (string | number | null)[] = [];
            await forEachRecord(source, index, start, end - start, r => {
              const x = typeof r.value === 'object' && r.value !== null ? (r.value as Record<string, unknown>)[key] : undefined;
              values.push(typeof x === 'string' || typeof x === 'number' ? x : null);
            });
            return values;
          }),
        }));
    },
  };
}

/** One pass: the records (non-blank lines) and every INDEX_STEP-th one's offset and line number. */
async function indexLines(source: ByteSource): Promise<LineIndex> {
  let offsets: Float64Array = new Float64Array(256);
  let lineNumbers: Float64Array = new Float64Array(256);
  let records = 0;
  let line = 0;
  await forEachLine(source, 0, source.size, MAX_LINE_BYTES, (bytes, from, to, base) => {
    line++;
    if (line === 1 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf) from += 3; // UTF-8 BOM
    if (isBlank(bytes, from, to)) return;
    if (records % INDEX_STEP === 0) {
      const slot = records / INDEX_STEP;
      if (slot >= offsets.length) {
        offsets = grown(offsets);
        lineNumbers = grown(lineNumbers);
      }
      offsets[slot] = base + from;
      lineNumbers[slot] = line;
    }
    records++;
  });
  return { records, offsets, lineNumbers };
}

function grown(a: Float64Array): Float64Array {
  const out = new Float64Array(a.length * 2);
  out.set(a);
  return out;
}

interface ParsedRecord { line: number; value: unknown }

const utf8 = new TextDecoder('utf-8');

/**
 * Records [start, start + count), parsed: reads forward from the indexed line at or before
 * `start`, skipping blank lines. `visit` sees each record as it is parsed (so a large range is
 * never all held as JSON values).
 */
async function forEachRecord(source: ByteSource, index: LineIndex, start: number, count: number, visit: (record: ParsedRecord, i: number) => void): Promise<void> {
  const slot = Math.floor(start / INDEX_STEP);
  let line = index.lineNumbers[slot];
  let record = slot * INDEX_STEP;
  let done = 0;
  // the read stops at the indexed record after the last one wanted (a few rows cost a few lines, not a chunk)
  const next = Math.floor((start + count - 1) / INDEX_STEP) + 1;
  const end = next * INDEX_STEP < index.records ? index.offsets[next] : source.size;
  await forEachLine(source, index.offsets[slot], end, MAX_LINE_BYTES, (bytes, from, to) => {
    if (isBlank(bytes, from, to)) { line++; return; }
    if (record >= start) {
      const text = utf8.decode(bytes.subarray(from, to));
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new EmbdiagError('bad-text', `${source.name}: line ${line} is not valid JSON (${describeText(text)}).`,
          'Every line of a JSON Lines file holds one complete JSON value (no line breaks inside a record).');
      }
      visit({ line, value }, done);
      done++;
    }
    record++;
    line++;
    return done < count;
  });
  if (done < count) {
    throw new EmbdiagError('file-changed', `${source.name}: the file holds fewer JSON records than when it was opened.`, 'It changed while being read; analyse it again.');
  }
}

async function readRecords(source: ByteSource, index: LineIndex, start: number, count: number): Promise<ParsedRecord[]> {
  const out: ParsedRecord[] = [];
  await forEachRecord(source, index, start, count, r => out.push(r));
  return out;
}

/** The index pass's notion of a blank line: only spaces, tabs and carriage returns. */
function isBlank(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = bytes[i];
    if (b !== 32 && b !== 9 && b !== 13) return false;
  }
  return true;
}

function describeText(text: string): string {
  const t = text.trim();
  return t.length > 40 ? `starts ${JSON.stringify(t.slice(0, 40))}…` : JSON.stringify(t);
}

class JsonLinesMatrix implements EmbeddingMatrix {
  readonly notes: string[] = [];
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly rows: number;

  constructor(private readonly source: ByteSource, private readonly index: LineIndex, readonly name: string,
    private readonly encoding: VectorEncoding, readonly dim: number) {
    this.rows = index.records;
    this.shape = [this.rows, dim];
    this.dtype = encoding === 'base64' ? 'float32' : 'float64';
    if (encoding === 'base64') this.notes.push(`'${name}' holds base64-encoded little-endian float32 vectors.`);
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.source.name, this.name, this.rows, start, count);
    const out = new Float64Array(count * this.dim);
    if (count === 0) return out;
    await forEachRecord(this.source, this.index, start, count, (record, i) => {
      decodeVector(this.source.name, `line ${record.line}`, this.name, valueAtPath(record.value, this.name), this.encoding, this.dim, out, i * this.dim);
    });
    return out;
  }
}
