import * as zlib from 'node:zlib';
import { DecompressionError, decompressBuffer, loadZstd } from './arrowCompression';
import { decodeLz4Block, Lz4Error } from './lz4Frame';

/**
 * Blosc 1.x containers (c-blosc's format, as numcodecs' Blosc and the Zarr v3 `blosc` codec write
 * them): a 16-byte header (version, codec version, flags, type size, then uncompressed size, block
 * size and compressed size as uint32 LE), then either the data as is (flag MEMCPYED) or a table of
 * block starts and the blocks, each split into `typesize` streams for the fast codecs, each stream
 * compressed by the inner codec (blosclz, lz4/lz4hc, zlib, zstd) or stored when its compressed size
 * equals its size; then the block is unshuffled (byte or bit shuffle). Every size is checked
 * against the input and against the uncompressed size the caller expects; errors are
 * DecompressionErrors naming the problem, for the caller to word as its own refusal.
 */

const HEADER_BYTES = 16;
const FLAG_SHUFFLE = 0x1;
const FLAG_MEMCPYED = 0x2;
const FLAG_BITSHUFFLE = 0x4;
const FLAG_DONT_SPLIT = 0x10;
/** c-blosc: blocks are split into one stream per byte of the type only for types this small, ... */
const MAX_SPLITS = 16;
/** ... and blocks holding at least this many elements. */
const MIN_BUFFERSIZE = 128;
/** The inner codecs by their code in flags bits 5-7 (blosc.h BLOSC_*_FORMAT). */
const INNER_CODECS = ['blosclz', 'lz4', 'snappy', 'zlib', 'zstd'];

/** The most content a byte of each inner codec decodes to (lz4 and blosclz: 255-byte length runs; deflate about 1032:1; a zstd block 128 KiB from 4 bytes). */
const MAX_RATIO: Record<string, number> = { blosclz: 256, lz4: 256, zlib: 1032, zstd: 32768 };

export type ZstdDecoder = Awaited<ReturnType<typeof loadZstd>>;

function fail(problem: string): never {
  throw new DecompressionError(problem);
}

/** The inner codec a blosc buffer names (for a refusal that can say which), or undefined when it is short. */
export function bloscInnerCodec(input: Uint8Array): string | undefined {
  return input.length >= HEADER_BYTES ? INNER_CODECS[input[2] >> 5] ?? `codec #${input[2] >> 5}` : undefined;
}

/** Decodes a blosc buffer whose content must be exactly `expected` bytes. `zstd`: loadZstd()'s decoder, when the buffer may use zstd. */
export function decodeBlosc(input: Uint8Array, expected: number, zstd: ZstdDecoder | undefined): Uint8Array {
  if (input.length < HEADER_BYTES) fail(`the ${input.length}-byte blosc buffer is shorter than its 16-byte header`);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const version = input[0], flags = input[2], typesize = input[3];
  const nbytes = view.getUint32(4, true), blocksize = view.getUint32(8, true), cbytes = view.getUint32(12, true);
  if (version === 0 || version > 4) fail(`the blosc header has format version ${version}, not one of c-blosc 1.x`);
  if (nbytes !== expected) fail(`the blosc header declares ${nbytes} bytes of content, not the ${expected} of a chunk`);
  if (cbytes !== input.length) fail(`the blosc header declares ${cbytes} compressed bytes, but the buffer holds ${input.length}`);
  if (typesize === 0) fail('the blosc header declares a type size of 0');
  if (flags & FLAG_MEMCPYED) {
    if (input.length < HEADER_BYTES + nbytes) fail(`the stored blosc buffer holds ${input.length - HEADER_BYTES} bytes, not ${nbytes}`);
    return input.slice(HEADER_BYTES, HEADER_BYTES + nbytes);
  }
  if (nbytes === 0) return new Uint8Array(0);
  if (blocksize === 0) fail('the blosc header declares a block size of 0');
  const codec = INNER_CODECS[flags >> 5];
  if (codec === undefined) fail(`the blosc buffer names inner codec #${flags >> 5}, which blosc does not define`);
  if (codec === 'snappy') fail('the blosc buffer is compressed with snappy, which this reader does not decode');
  // before allocating: what the inner codec can make of these bytes at best
  if (nbytes > MAX_RATIO[codec] * input.length + 64) fail(`the blosc header declares ${nbytes} bytes of content, more than ${codec} can make of ${input.length} bytes`);
  const output = new Uint8Array(nbytes);
  const blocks = Math.ceil(nbytes / blocksize);
  if (HEADER_BYTES + 4 * blocks > input.length) fail(`the blosc buffer is too short for the table of its ${blocks} blocks`);
  const shuffled = new Uint8Array(Math.min(blocksize, nbytes));
  for (let b = 0; b < blocks; b++) {
    const start = view.getUint32(HEADER_BYTES + 4 * b, true);
    const size = Math.min(blocksize, nbytes - b * blocksize);
    const leftover = size < blocksize;
    const splits = !(flags & FLAG_DONT_SPLIT) && typesize <= MAX_SPLITS && blocksize / typesize >= MIN_BUFFERSIZE && !leftover ? typesize : 1;
    if (size % splits) fail(`a blosc block of ${size} bytes cannot be split into ${splits} streams`);
    const streamBytes = size / splits;
    let at = start;
    const block = shuffled.subarray(0, size);
    for (let s = 0; s < splits; s++) {
      if (at + 4 > input.length) fail(`blosc block ${b} runs past the end of the buffer`);
      const compressed = view.getInt32(at, true);
      at += 4;
      if (compressed < 0 || at + compressed > input.length) fail(`a stream of blosc block ${b} declares ${compressed} bytes, past the end of the buffer`);
      const stream = input.subarray(at, at + compressed);
      const into = block.subarray(s * streamBytes, (s + 1) * streamBytes);
      if (compressed === streamBytes) into.set(stream);
      else decodeInner(codec, stream, into, zstd);
      at += compressed;
    }
    const target = output.subarray(b * blocksize, b * blocksize + size);
    if ((flags & FLAG_SHUFFLE) && typesize > 1) unshuffleBytes(block, target, typesize);
    else if (flags & FLAG_BITSHUFFLE) unshuffleBits(block, target, typesize, version);
    else target.set(block);
  }
  return output;
}

/** One stream: exactly `into.length` bytes from the inner codec. */
function decodeInner(codec: string, stream: Uint8Array, into: Uint8Array, zstd: ZstdDecoder | undefined): void {
  const length = into.length;
  let produced: number;
  switch (codec) {
    case 'lz4':
      try { produced = decodeLz4Block(stream, into, 0, 0); } catch (e) { if (e instanceof Lz4Error) fail(e.message); throw e; }
      break;
    case 'blosclz':
      produced = decodeBloscLz(stream, into);
      break;
    case 'zlib': {
      let out: Buffer;
      try { out = zlib.inflateSync(stream, { maxOutputLength: length + 1 }); } catch { return fail('a zlib stream inside the blosc buffer cannot be decompressed (damaged, or longer than its block)'); }
      into.set(out.subarray(0, length));
      produced = out.length;
      break;
    }
    case 'zstd':
      if (!zstd) fail('the zstd decoder is not loaded');
      into.set(decompressBuffer('ZSTD', stream, length, zstd));
      produced = length;
      break;
    default:
      return fail(`the blosc inner codec ${codec} is not decoded here`);
  }
  if (produced !== length) fail(`a ${codec} stream inside the blosc buffer decodes to ${produced} bytes, not the ${length} of its block`);
}

/** blosclz's farthest short match distance (its MAX_DISTANCE). */
const BLOSCLZ_MAX_DISTANCE = 8191;

/**
 * blosclz (c-blosc 1.x blosclz.c, a FastLZ level-1 variant): a control byte below 32 is a literal
 * run of ctrl + 1 bytes; otherwise a match of (ctrl >> 5) + 2 bytes (7 in the top bits: the length
 * goes on in 255-continued bytes) at distance ((ctrl & 31) << 8) + next byte + 1, or, when those
 * are all ones, 8192 + a 16-bit big-endian distance. Returns the bytes written.
 */
function decodeBloscLz(input: Uint8Array, output: Uint8Array): number {
  const n = input.length, limit = output.length;
  if (n === 0) return 0;
  let i = 0, o = 0;
  let ctrl = input[i++] & 31;
  for (;;) {
    if (ctrl >= 32) {
      let length = (ctrl >> 5) - 1;
      let distance = (ctrl & 31) << 8;
      if (length === 6) {
        for (let code = 255; code === 255;) {
          if (i >= n) fail('a blosclz match length runs past the end of the stream');
          code = input[i++];
          length += code;
        }
      }
      if (i >= n) fail('a blosclz match runs past the end of the stream');
      const code = input[i++];
      length += 3;
      let from = o - distance - code - 1;
      if (code === 255 && distance === 31 << 8) {
        if (i + 2 > n) fail('a blosclz far match runs past the end of the stream');
        distance = (input[i] << 8) | input[i + 1];
        i += 2;
        from = o - distance - BLOSCLZ_MAX_DISTANCE - 1;
      }
      if (from < 0) fail('a blosclz match refers to bytes before the start of the block');
      if (o + length > limit) fail('the blosclz stream runs past the end of its block');
      for (const end = o + length; o < end;) output[o++] = output[from++];
    } else {
      const literals = ctrl + 1;
      if (o + literals > limit) fail('the blosclz stream runs past the end of its block');
      if (i + literals > n) fail('a blosclz literal run goes past the end of the stream');
      output.set(input.subarray(i, i + literals), o);
      o += literals;
      i += literals;
    }
    if (i >= n) return o;
    ctrl = input[i++];
  }
}

/** Byte shuffle undone: byte j of element k was stored at j * elements + k; bytes past the last whole element stay. */
function unshuffleBytes(src: Uint8Array, dest: Uint8Array, typesize: number): void {
  const elements = Math.floor(src.length / typesize);
  for (let j = 0; j < typesize; j++) {
    const row = j * elements;
    for (let k = 0; k < elements; k++) dest[k * typesize + j] = src[row + k];
  }
  const whole = elements * typesize;
  dest.set(src.subarray(whole), whole);
}

/**
 * Bit shuffle (bitshuffle's trans_bit_elem) undone: bit b of byte j of element k was stored at
 * bit k of row j * 8 + b, rows of elements / 8 bytes. It works on multiples of 8 elements: format
 * version 2 leaves a block of any other count as is; later versions shuffle the largest multiple of
 * 8 and leave the rest.
 */
function unshuffleBits(src: Uint8Array, dest: Uint8Array, typesize: number, version: number): void {
  let elements = Math.floor(src.length / typesize);
  if (version <= 2 && elements % 8 !== 0) elements = 0;
  elements -= elements % 8;
  const rowBytes = elements / 8;
  const whole = elements * typesize;
  dest.fill(0, 0, whole);
  for (let j = 0; j < typesize; j++) {
    for (let b = 0; b < 8; b++) {
      const row = (j * 8 + b) * rowBytes;
      for (let k = 0; k < elements; k++) {
        if ((src[row + (k >> 3)] >> (k & 7)) & 1) dest[k * typesize + j] |= 1 << b;
      }
    }
  }
  dest.set(src.subarray(whole), whole);
}

export { DecompressionError };
