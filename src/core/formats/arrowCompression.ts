import { decodeLz4Frames, Lz4Error } from './lz4Frame';

/**
 * Compressed record batch bodies of Arrow IPC files (Message.fbs BodyCompression, method BUFFER):
 * each buffer is an int64 little-endian uncompressed length, then the buffer compressed whole by the
 * codec (LZ4_FRAME or ZSTD), or stored as is when that length is -1. A compressed buffer can only be
 * decompressed whole, so the caller bounds the length it declares before anything is allocated; the
 * decoders allocate only the output of that length, and content of another length is refused.
 * Errors are DecompressionErrors naming the problem, for the caller to word as its own refusal.
 */

export class DecompressionError extends Error {}

/** Message.fbs: enum CompressionType { LZ4_FRAME, ZSTD }. */
export const ARROW_CODECS = ['LZ4_FRAME', 'ZSTD'] as const;
export type ArrowCodec = typeof ARROW_CODECS[number];

export function isArrowCodec(codec: string | undefined): codec is ArrowCodec {
  return (ARROW_CODECS as readonly string[]).includes(codec ?? '');
}

/** A buffer decompressed whole past this size is refused as too large (one allocation, and a Uint8Array's limit). */
export const MAX_DECOMPRESSED_BYTES = 2 ** 31 - 1;

/**
 * The most content `compressed` bytes can decode to: LZ4 spends at least one byte per 255 bytes
 * of a match; a zstd block (3-byte header, at least 1 byte) decodes to at most 128 KiB.
 */
export function maxContentOf(codec: string, compressed: number): number {
  return (codec === 'LZ4_FRAME' ? 256 : 32768) * compressed + 64;
}

/** The bytes before each buffer's content: its uncompressed length. */
export const LENGTH_PREFIX_BYTES = 8;

/** A buffer's length prefix: the uncompressed length, or 'stored' (-1: the content follows uncompressed). */
export function uncompressedLength(prefix: Uint8Array): number | 'stored' {
  if (prefix.length < LENGTH_PREFIX_BYTES) throw new DecompressionError(`its ${prefix.length}-byte buffer has no room for the 8-byte length prefix of a compressed buffer`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_PREFIX_BYTES);
  const lo = view.getUint32(0, true), hi = view.getInt32(4, true);
  if (hi === -1 && lo === 0xffffffff) return 'stored';
  const length = hi * 4294967296 + lo;
  if (hi < 0 || !Number.isSafeInteger(length)) throw new DecompressionError(`a compressed buffer declares an uncompressed length of ${hi < 0 ? 'a negative number' : 'more than 2^53'} bytes`);
  return length;
}

type ZstdDecoder = (input: Uint8Array, output?: Uint8Array) => Uint8Array;
let zstd: Promise<ZstdDecoder> | undefined;

/** The ZSTD decoder (hyparquet-compressors' fzstd, the one the Parquet reader uses), loaded on first use. */
export function loadZstd(): Promise<ZstdDecoder> {
  zstd ??= import('hyparquet-compressors').then(m => m.decompressZstd as ZstdDecoder);
  return zstd;
}

const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_BLOCK_RLE = 1;
const ZSTD_BLOCK_RESERVED = 3;

/** libzstd's default limit on the window a decoder accepts (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27). */
const ZSTD_MAX_WINDOW = 2 ** 27;

/**
 * Checks a Zstandard buffer's frame before fzstd decodes it: one frame (fzstd would write a second
 * frame over the first one's output), without a dictionary, whose declared content size (Arrow's C++
 * writer always writes it) is `length`. Returns whether it declares its content size; one that does
 * not must declare a window within libzstd's default limit (fzstd allocates the window it declares).
 */
function checkZstdFrame(input: Uint8Array, length: number): boolean {
  const fail = (problem: string): never => { throw new DecompressionError(problem); };
  const need = (at: number, n: number) => { if (at + n > input.length) fail('the zstd data is cut short'); };
  need(0, 5);
  const magic = (input[0] | (input[1] << 8) | (input[2] << 16) | (input[3] << 24)) >>> 0;
  if (magic !== ZSTD_MAGIC) fail(`the data does not start with the zstd frame magic (found 0x${magic.toString(16)})`);
  const fhd = input[4];
  const fcsFlag = fhd >> 6, singleSegment = (fhd >> 5) & 1, checksum = (fhd >> 2) & 1, dictFlag = fhd & 3;
  if (fhd & 8) fail('the zstd frame header has its reserved bit set');
  if (!singleSegment) {
    const exponent = input[5] >> 3, base = 2 ** (10 + exponent);
    const window = base + (base / 8) * (input[5] & 7);
    if (!fcsFlag && window > ZSTD_MAX_WINDOW) fail(`the zstd frame declares a ${window}-byte window, more than the ${ZSTD_MAX_WINDOW} bytes decoders accept by default`);
  }
  let at = 5 + (singleSegment ? 0 : 1);
  const dictBytes = [0, 1, 2, 4][dictFlag];
  need(at, dictBytes);
  let dictionary = 0;
  for (let k = 0; k < dictBytes; k++) dictionary += input[at + k] * 2 ** (8 * k);
  if (dictionary) fail('the zstd frame needs a dictionary, which Arrow does not use');
  at += dictBytes;
  const fcsBytes = [singleSegment, 2, 4, 8][fcsFlag];
  need(at, fcsBytes);
  if (fcsBytes) {
    let size = 0;
    for (let k = 0; k < fcsBytes; k++) size += input[at + k] * 2 ** (8 * k);
    if (fcsBytes === 2) size += 256;
    if (size !== length) fail(`the zstd frame holds ${size} bytes of content, not the ${length} declared`);
  }
  at += fcsBytes;
  for (let last = 0; !last;) {
    need(at, 3);
    const header = input[at] | (input[at + 1] << 8) | (input[at + 2] << 16);
    last = header & 1;
    const type = (header >> 1) & 3;
    if (type === ZSTD_BLOCK_RESERVED) fail('a zstd block has the reserved block type');
    at += 3 + (type === ZSTD_BLOCK_RLE ? 1 : header >>> 3);
  }
  at += checksum ? 4 : 0;
  if (at !== input.length) fail(at > input.length ? 'the zstd frame runs past the end of its buffer' : 'the buffer holds more than one zstd frame');
  return fcsBytes > 0;
}

/**
 * The content of a compressed buffer (after its length prefix), decompressed into exactly `length`
 * bytes (the declared length, bounded by the caller). `zstdDecoder` is loadZstd()'s result.
 */
export function decompressBuffer(codec: ArrowCodec, input: Uint8Array, length: number, zstdDecoder: ZstdDecoder | undefined): Uint8Array {
  try {
    if (codec === 'LZ4_FRAME') return decodeLz4Frames(input, length);
    const sized = checkZstdFrame(input, length);
    if (!zstdDecoder) throw new DecompressionError('the zstd decoder is not loaded');
    // A frame that declares its size is decoded into an output of that size; one that does not,
    // block by block (at most 128 KiB each), and its length compared.
    if (sized) return zstdDecoder(input, new Uint8Array(length));
    const output = zstdDecoder(input);
    if (output.length !== length) throw new DecompressionError(`the zstd frame holds ${output.length} bytes of content, not the ${length} declared`);
    return output;
  } catch (e) {
    if (e instanceof DecompressionError) throw e;
    if (e instanceof Lz4Error) throw new DecompressionError(e.message);
    // fzstd's own exceptions (invalid data, unexpected end): our sentence, not its text
    throw new DecompressionError(`its ${codec} data cannot be decompressed (the compressed stream is damaged)`);
  }
}

/**
 * A codec for apache-arrow's own reader (its compressionRegistry), for the columns it decodes
 * rather than the buffer reader. apache-arrow passes decode() the bytes after a buffer's length
 * prefix, as a view into the body it read, and handles stored (-1) buffers itself: the declared
 * length is the 8 bytes before the view, bounded here by what the codec can make of the bytes.
 */
export function apacheArrowCodec(codec: ArrowCodec, zstdDecoder: ZstdDecoder | undefined): { decode(data: Uint8Array): Uint8Array } {
  return {
    decode(data: Uint8Array): Uint8Array {
      if (data.byteOffset < LENGTH_PREFIX_BYTES) throw new DecompressionError('a compressed buffer has no length prefix');
      const length = uncompressedLength(new Uint8Array(data.buffer, data.byteOffset - LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES));
      if (length === 'stored') return data;
      if (length > maxContentOf(codec, data.length)) throw new DecompressionError(`a buffer declares ${length} bytes uncompressed, more than ${codec} can make of ${data.length} bytes`);
      if (length > MAX_DECOMPRESSED_BYTES) throw new DecompressionError(`a buffer declares ${length} bytes uncompressed, more than the ${MAX_DECOMPRESSED_BYTES} this reader decompresses at once`);
      return decompressBuffer(codec, data, length, zstdDecoder);
    },
  };
}
