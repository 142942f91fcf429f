import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';

const CHUNK = 1 << 20;
const NL = 10;

/**
 * Visits the lines of bytes [start, end) of a source in order, reading 1 MiB at a time: a line cut
 * by a chunk's end is carried into the next read, so only one line (at most `maxLineBytes`) and one
 * chunk are ever held. `visit` gets the line as bytes[from, to) without its '\n', and the file
 * offset of bytes[0]; returning false stops the walk.
 */
export async function forEachLine(source: ByteSource, start: number, end: number, maxLineBytes: number,
  visit: (bytes: Uint8Array, from: number, to: number, base: number) => boolean | void): Promise<void> {
  let pending: Uint8Array | undefined;
  for (let offset = start; offset < end;) {
    const read = await source.read(offset, Math.min(CHUNK, end - offset));
    const bytes = pending ? concat(pending, read) : read;
    const base = offset - (pending?.length ?? 0);
    offset += read.length;
    pending = undefined;
    let from = 0;
    for (let i = bytes.indexOf(NL); i >= 0; i = bytes.indexOf(NL, from)) {
      if (visit(bytes, from, i, base) === false) return;
      from = i + 1;
    }
    if (from < bytes.length) {
      if (offset >= end) {
        visit(bytes, from, bytes.length, base);
        return;
      }
      pending = bytes.subarray(from);
      if (pending.length > maxLineBytes) {
        throw new EmbdiagError('too-large', `${source.name}: the line at byte ${base + from} is longer than ${Math.round(maxLineBytes / (1 << 20))} MiB.`,
          'This is not a text file of one record per line.');
      }
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
