import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ValueColumn } from './dumpFile';
import { checkRowRange, fileStem, findArray } from './npy';
import { DuplicateWords, parseHeader, wordOf } from './wordVectors';

const CHUNK = 1 << 20;
const MAX_READ_BYTES = 16 << 20;
/** Longest word accepted: a longer run without a space means the records are not where the header says. */
const MAX_WORD_BYTES = 4096;
const SPACE = 32;
const NL = 10;

const FIX = 'A word2vec binary file is a header line "N d", then per word: the word, a space, and d little-endian float32 values (gensim: save_word2vec_format(binary=True)).';

/**
 * word2vec binary (.bin): the header `N d\n`, then for each vector the word, a space and d raw
 * little-endian float32 values, optionally followed by a newline (the original C tool writes one,
 * gensim does not; gensim strips a newline before a word, and so do we). The words have no length
 * prefix, so one pass walks the records (reading the words, skipping the values) and keeps every
 * vector's offset; rows are then ranged reads.
 */
export async function openWord2vecBinary(source: ByteSource, fileName: string): Promise<DumpFile> {
  const head = await source.read(0, Math.min(256, source.size));
  const nl = head.indexOf(NL);
  const header = nl > 0 ? parseHeader(head, 0, nl) : undefined;
  if (!header) throw new EmbdiagError('bad-header', `${source.name}: the first line is not a "count dimension" header.`, FIX);
  const { count, dim } = header;
  const vectorBytes = 4 * dim;
  // every record takes at least a one-byte word, a space and its values
  if (count === 0 || (nl + 1) + count * (vectorBytes + 2) > source.size) {
    throw new EmbdiagError(count === 0 ? 'bad-header' : 'truncated',
      `${source.name}: the header declares ${count} vectors of ${dim} float32 values, which ${count === 0 ? 'leaves nothing to analyse' : `need more than the file's ${source.size} bytes`}.`, FIX);
  }
  const offsets = new Float64Array(count);
  const words = new DuplicateWords();
  let pos = nl + 1;
  let buffer: Uint8Array = new Uint8Array(0);
  let bufferStart = pos;
  const byteAt = async (at: number): Promise<number> => {
    if (at >= source.size) return -1;
    if (at < bufferStart || at >= bufferStart + buffer.length) {
      bufferStart = at;
      buffer = await source.read(at, Math.min(CHUNK, source.size - at));
    }
    return buffer[at - bufferStart];
  };
  const at = (p: number): number | Promise<number> => (p >= bufferStart && p < bufferStart + buffer.length ? buffer[p - bufferStart] : byteAt(p));
  for (let row = 0; row < count; row++) {
    while (await at(pos) === NL) pos++;
    const wordStart = pos;
    let b: number;
    while ((b = await at(pos)) !== SPACE) {
      if (b < 0) throw new EmbdiagError('truncated', `${source.name}: the file ends inside the word of vector ${row} (of ${count} declared).`, FIX);
      if (pos - wordStart >= MAX_WORD_BYTES) {
        throw new EmbdiagError('bad-text', `${source.name}: no space ends the word of vector ${row} within ${MAX_WORD_BYTES} bytes (at byte ${wordStart}): the records are not laid out as the header says.`, FIX);
      }
      pos++;
    }
    if (pos === wordStart) throw new EmbdiagError('bad-text', `${source.name}: vector ${row} has an empty word (at byte ${wordStart}).`, FIX);
    const wordBytes = pos - wordStart <= buffer.length && wordStart >= bufferStart ? buffer.subarray(wordStart - bufferStart, pos - bufferStart) : await source.read(wordStart, pos - wordStart);
    words.add(wordOf(wordBytes, 0, wordBytes.length), row);
    offsets[row] = pos + 1;
    pos += 1 + vectorBytes;
    if (pos > source.size) throw new EmbdiagError('truncated', `${source.name}: the file ends inside vector ${row} (of ${count} declared).`, FIX);
  }
  let rest = source.size - pos;
  if (rest > 0 && await byteAt(pos) === NL) rest--;
  if (rest > 0) {
    // a word with a space (gensim writes it as is) shifts every later record: the values are then not where they seem
    throw new EmbdiagError('bad-text', `${source.name}: ${rest} bytes follow the ${count} vectors the header declares.`,
      'The header count is wrong, or a word contains a space (which the binary format cannot hold): re-save in the text format.');
  }
  const name = fileStem(fileName);
  const info: ArrayInfo = { name, dtype: 'float32', shape: [count, dim], analysable: true };
  return {
    format: 'word2vec-binary',
    arrays: [info],
    notes: [`${count.toLocaleString('en')} words; the word of each row is its label.`, ...words.notes()],
    findings: words.findings(),
    async open(requested?: string): Promise<EmbeddingMatrix> {
      findArray(source.name, [info], requested);
      return new Word2vecBinaryMatrix(source, name, offsets, count, dim);
    },
    /** The word of each row: its label (the bytes between the previous vector and this one's space). */
    async valueColumns(): Promise<ValueColumn[]> {
      return [{
        name: 'word', kind: 'string', rows: count,
        read: rows => Promise.all(rows.map(async row => {
          const from = row === 0 ? nl + 1 : offsets[row - 1] + vectorBytes;
          const bytes = await source.read(from, offsets[row] - 1 - from);
          let at = 0;
          while (bytes[at] === NL) at++;
          return wordOf(bytes, at, bytes.length);
        })),
      }];
    },
  };
}

class Word2vecBinaryMatrix implements EmbeddingMatrix {
  readonly dtype = 'float32';
  readonly notes: string[] = [];
  readonly shape: readonly number[];

  constructor(private readonly source: ByteSource, readonly name: string, private readonly offsets: Float64Array, readonly rows: number, readonly dim: number) {
    this.shape = [rows, dim];
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.source.name, this.name, this.rows, start, count);
    const out = new Float64Array(count * this.dim);
    const vectorBytes = 4 * this.dim;
    const offsets = this.offsets;
    for (let done = 0; done < count;) {
      const first = start + done;
      let last = first + 1;
      while (last < start + count && offsets[last] + vectorBytes - offsets[first] <= MAX_READ_BYTES) last++;
      const base = offsets[first];
      const bytes = await this.source.read(base, offsets[last - 1] + vectorBytes - base);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let row = first; row < last; row++, done++) {
        const at = offsets[row] - base;
        for (let j = 0; j < this.dim; j++) out[done * this.dim + j] = view.getFloat32(at + 4 * j, true);
      }
    }
    return out;
  }
}
