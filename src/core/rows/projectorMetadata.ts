import type { ByteSource } from '../io/byteSource';
import type { ValueColumn } from '../formats/dumpFile';
import { readByRuns } from '../formats/valueColumns';
import { forEachLine } from '../formats/textLines';

const MAX_LINE_BYTES = 16 << 20;
const utf8 = new TextDecoder('utf-8');

/**
 * A TensorBoard projector metadata.tsv: one line per vector, tab-separated; when the first line
 * has more than one column it is the header (as the projector reads it), otherwise the single
 * column is the label and has no header. One pass keeps every line's offset (8 bytes a row);
 * values are read for the rows asked for only.
 */
export async function projectorMetadataColumns(source: ByteSource): Promise<ValueColumn[]> {
  let starts = new Float64Array(1024);
  let lines = 0;
  let firstLine: string | undefined;
  await forEachLine(source, 0, source.size, MAX_LINE_BYTES, (bytes, from, to, base) => {
    if (lines === 0 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf) from += 3;
    firstLine ??= utf8.decode(bytes.subarray(from, to)).replace(/\r$/, '');
    if (lines + 2 > starts.length) {
      const grown = new Float64Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[lines] = base + from;
    starts[lines + 1] = Math.min(source.size, base + to + 1);
    lines++;
  });
  // a trailing newline leaves no empty last row (the projector drops it too)
  if (firstLine === undefined) return [];
  const names = firstLine.split('\t');
  const header = names.length > 1 ? 1 : 0;
  const rows = lines - header;
  const cellsOf = async (start: number, end: number): Promise<string[][]> => {
    const from = starts[header + start];
    const bytes = await source.read(from, starts[header + end] - from);
    return Array.from({ length: end - start }, (_, i) => {
      const a = starts[header + start + i] - from;
      const b = starts[header + start + i + 1] - from;
      return utf8.decode(bytes.subarray(a, b)).replace(/\r?\n$/, '').split('\t');
    });
  };
  const columnNames = header ? names.map((n, i) => n.trim() || `column ${i + 1}`) : ['label'];
  return columnNames.map((name, c) => ({
    name, kind: 'string', rows,
    read: wanted => readByRuns(wanted, async (start, end) => (await cellsOf(start, end)).map(cells => cells[c] ?? null)),
  }));
}
