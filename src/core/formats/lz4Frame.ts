/**
 * The LZ4 frame format (lz4_Frame_format.md, magic 0x184D2204), as Arrow IPC compresses its buffers
 * (LZ4_FRAME): frame descriptor, blocks (each compressed, or stored when its size has the high bit
 * set), an end mark, optional checksums. Decoded into an output of a length known beforehand (the
 * Arrow length prefix): every size is checked against the input and that output, and a frame whose
 * content is longer or shorter is refused. Parquet's LZ4_RAW is the bare block format; the block
 * decoder is written here because the frame's linked blocks refer back into earlier blocks' output.
 * Errors are Lz4Errors naming the problem, for the caller to word as its own refusal.
 */

export class Lz4Error extends Error {}

const FRAME_MAGIC = 0x184d2204;
/** Skippable frames (0x184D2A50..5F) carry user data, not content. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** BD's block maximum size ids 4..7: 64 KB, 256 KB, 1 MB, 4 MB. */
const BLOCK_MAX = [0, 0, 0, 0, 1 << 16, 1 << 18, 1 << 20, 1 << 22];
const MIN_MATCH = 4;

function fail(problem: string): never {
  throw new Lz4Error(problem);
}

function u32(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) fail(`the LZ4 data ends at byte ${bytes.length}, inside a 4-byte field at byte ${at}`);
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

const P1 = 2654435761, P2 = 2246822519, P3 = 3266489917, P4 = 668265263, P5 = 374761393;
const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
const mul = (a: number, b: number) => Math.imul(a, b) >>> 0;

/** xxHash32 with seed 0, the frame's header, block and content checksum. */
export function xxh32(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  let h: number;
  if (n >= 16) {
    let v1 = (P1 + P2) >>> 0, v2 = P2, v3 = 0, v4 = (0 - P1) >>> 0;
    const round = (v: number, at: number) => mul(rotl((v + mul(u32(bytes, at), P2)) >>> 0, 13), P1);
    for (; i + 16 <= n; i += 16) {
      v1 = round(v1, i); v2 = round(v2, i + 4); v3 = round(v3, i + 8); v4 = round(v4, i + 12);
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = P5;
  }
  h = (h + n) >>> 0;
  for (; i + 4 <= n; i += 4) h = mul(rotl((h + mul(u32(bytes, i), P3)) >>> 0, 17), P4);
  for (; i < n; i++) h = mul(rotl((h + mul(bytes[i], P5)) >>> 0, 11), P1);
  h = mul(h ^ (h >>> 15), P2);
  h = mul(h ^ (h >>> 13), P3);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Decodes one LZ4 block `input` into `output` at `at`; matches may reach back to `windowStart`
 * (the frame's first output byte for linked blocks, the block's own for independent ones).
 * Returns the output position after the block.
 */
export function decodeLz4Block(input: Uint8Array, output: Uint8Array, at: number, windowStart: number): number {
  let i = 0, o = at;
  const n = input.length;
  const readLength = (base: number): number => {
    let length = base;
    if (base !== 15) return length;
    for (;;) {
      if (i >= n) fail('an LZ4 block ends inside a length');
      const byte = input[i++];
      length += byte;
      if (byte !== 255) return length;
    }
  };
  while (i < n) {
    const token = input[i++];
    const literals = readLength(token >> 4);
    if (i + literals > n) fail(`an LZ4 block's ${literals} literals run past its end`);
    if (o + literals > output.length) fail(`the LZ4 content runs past the ${output.length} bytes declared`);
    output.set(input.subarray(i, i + literals), o);
    i += literals;
    o += literals;
    if (i === n) return o; // the last sequence holds literals only
    if (i + 2 > n) fail('an LZ4 block ends inside a match offset');
    const offset = input[i] | (input[i + 1] << 8);
    i += 2;
    if (offset === 0 || o - offset < windowStart) fail(`an LZ4 match refers ${offset} bytes back, before the data decoded`);
    const length = readLength(token & 15) + MIN_MATCH;
    if (o + length > output.length) fail(`the LZ4 content runs past the ${output.length} bytes declared`);
    if (offset >= length && length > 32) {
      output.copyWithin(o, o - offset, o - offset + length);
      o += length;
    } else {
      // byte by byte: a match may overlap the bytes it produces
      for (let from = o - offset, end = o + length; o < end;) output[o++] = output[from++];
    }
  }
  fail('an LZ4 block is empty');
}

/**
 * Decodes LZ4 frames (one or more, skippable frames ignored) into exactly `length` bytes, the
 * length the caller knows the content has: more or fewer is a Lz4Error. Allocates only the output.
 */
export function decodeLz4Frames(input: Uint8Array, length: number): Uint8Array {
  const output = new Uint8Array(length);
  let i = 0, o = 0;
  while (i < input.length) {
    const magic = u32(input, i);
    if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      i += 8 + u32(input, i + 4);
      if (i > input.length) fail('a skippable LZ4 frame runs past the end of the data');
      continue;
    }
    if (magic !== FRAME_MAGIC) fail(`the data does not start with the LZ4 frame magic (found 0x${magic.toString(16)} at byte ${i})`);
    const descriptor = i + 4;
    if (descriptor + 3 > input.length) fail('the LZ4 frame descriptor is cut short');
    const flg = input[descriptor], bd = input[descriptor + 1];
    if (flg >> 6 !== 1) fail(`the LZ4 frame has version ${flg >> 6}, not 1`);
    if (flg & 2 || bd & 0x8f) fail('the LZ4 frame descriptor has reserved bits set');
    const independent = (flg & 0x20) !== 0, blockChecksum = (flg & 0x10) !== 0, hasSize = (flg & 8) !== 0, contentChecksum = (flg & 4) !== 0;
    if (flg & 1) fail('the LZ4 frame needs a dictionary, which Arrow does not use');
    const blockMax = BLOCK_MAX[(bd >> 4) & 7];
    if (!blockMax) fail(`the LZ4 frame declares block size id ${(bd >> 4) & 7}`);
    let at = descriptor + 2;
    const frameStart = o;
    let declared: number | undefined;
    if (hasSize) {
      const lo = u32(input, at), hi = u32(input, at + 4);
      declared = hi * 4294967296 + lo;
      at += 8;
    }
    if (at >= input.length) fail('the LZ4 frame descriptor is cut short');
    if (((xxh32(input.subarray(descriptor, at)) >>> 8) & 0xff) !== input[at]) fail('the LZ4 frame descriptor fails its checksum');
    at++;
    if (declared !== undefined && declared > length - frameStart) fail(`the LZ4 frame declares ${declared} bytes of content, more than the ${length - frameStart} left to decode`);
    for (;;) {
      const word = u32(input, at);
      at += 4;
      if (word === 0) break; // the end mark
      const stored = (word & 0x80000000) !== 0;
      const size = word & 0x7fffffff;
      if (size > blockMax) fail(`an LZ4 block of ${size} bytes exceeds the frame's ${blockMax}-byte blocks`);
      if (at + size + (blockChecksum ? 4 : 0) > input.length) fail('an LZ4 block runs past the end of the data');
      const block = input.subarray(at, at + size);
      if (blockChecksum && xxh32(block) !== u32(input, at + size)) fail('an LZ4 block fails its checksum');
      if (stored) {
        if (o + size > length) fail(`the LZ4 content runs past the ${length} bytes declared`);
        output.set(block, o);
        o += size;
      } else {
        const before = o;
        o = decodeLz4Block(block, output, o, independent ? o : frameStart);
        if (o - before > blockMax) fail(`an LZ4 block decodes to more than the frame's ${blockMax}-byte blocks`);
      }
      at += size + (blockChecksum ? 4 : 0);
    }
    if (declared !== undefined && declared !== o - frameStart) fail(`the LZ4 frame declares ${declared} bytes of content but holds ${o - frameStart}`);
    if (contentChecksum) {
      if (xxh32(output.subarray(frameStart, o)) !== u32(input, at)) fail('the LZ4 frame content fails its checksum');
      at += 4;
    }
    i = at;
  }
  if (o !== length) fail(`the LZ4 content is ${o} bytes, not the ${length} declared`);
  return output;
}
