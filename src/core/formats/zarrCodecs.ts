import * as zlib from 'node:zlib';
import { DecompressionError, decompressBuffer, loadZstd, maxContentOf } from './arrowCompression';
import { decodeBlosc, type ZstdDecoder } from './blosc';
import { decodeLz4Block, Lz4Error } from './lz4Frame';

/**
 * The bytes-to-bytes codecs of Zarr chunks: v2's compressor (numcodecs ids blosc, zlib, gzip, zstd,
 * lz4) and v3's bytes codecs (blosc, gzip, zstd, crc32c). A chunk is decoded by undoing them in
 * reverse order into exactly the chunk's bytes; output past that is refused as it arrives.
 * Errors are DecompressionErrors naming the problem, for the reader to word as its refusal.
 */
export type ZarrCodecName = 'blosc' | 'zlib' | 'gzip' | 'zstd' | 'lz4' | 'crc32c';
export const ZARR_CODECS: readonly ZarrCodecName[] = ['blosc', 'zlib', 'gzip', 'zstd', 'lz4', 'crc32c'];

export function isZarrCodec(name: string): name is ZarrCodecName {
  return (ZARR_CODECS as readonly string[]).includes(name);
}

/** Whether decoding needs the zstd decoder loaded (blosc may hold zstd streams). */
export function needsZstd(codecs: readonly ZarrCodecName[]): boolean {
  return codecs.includes('zstd') || codecs.includes('blosc');
}

export { loadZstd, type ZstdDecoder };

function fail(problem: string): never {
  throw new DecompressionError(problem);
}

/** Undoes `codecs` (listed in encoding order) on a stored chunk: the result is exactly `chunkBytes` long. */
export function decodeChunk(stored: Uint8Array, codecs: readonly ZarrCodecName[], chunkBytes: number, zstd: ZstdDecoder | undefined): Uint8Array {
  let bytes = stored;
  for (let i = codecs.length - 1; i >= 0; i--) bytes = decodeOne(codecs[i], bytes, chunkBytes, zstd);
  if (bytes.length !== chunkBytes) fail(`it decodes to ${bytes.length} bytes, not the ${chunkBytes} of a chunk`);
  return bytes;
}

function decodeOne(codec: ZarrCodecName, input: Uint8Array, chunkBytes: number, zstd: ZstdDecoder | undefined): Uint8Array {
  switch (codec) {
    case 'blosc': return decodeBlosc(input, chunkBytes, zstd);
    case 'zlib': case 'gzip': {
      let out: Buffer;
      try {
        out = (codec === 'zlib' ? zlib.inflateSync : zlib.gunzipSync)(input, { maxOutputLength: chunkBytes + 1 });
      } catch (e) {
        if (e instanceof RangeError) fail(`its ${codec} stream decodes to more than the ${chunkBytes} bytes of a chunk`);
        return fail(`its ${codec} stream cannot be decompressed (damaged)`);
      }
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    }
    case 'zstd':
      if (!zstd) fail('the zstd decoder is not loaded');
      // decompressBuffer allocates the length it is given: bounded by what the bytes can hold first
      if (chunkBytes > maxContentOf('ZSTD', input.length)) fail(`its ${input.length} bytes of zstd cannot hold the ${chunkBytes} bytes of a chunk`);
      return decompressBuffer('ZSTD', input, chunkBytes, zstd);
    case 'lz4': {
      // numcodecs' LZ4: the uncompressed size as int32 LE, then one LZ4 block
      if (input.length < 4) fail('its lz4 data is shorter than the 4-byte size prefix');
      const size = new DataView(input.buffer, input.byteOffset, 4).getInt32(0, true);
      if (size !== chunkBytes) fail(`its lz4 data declares ${size} bytes, not the ${chunkBytes} of a chunk`);
      if (chunkBytes > maxContentOf('LZ4_FRAME', input.length)) fail(`its ${input.length} bytes of lz4 cannot hold the ${chunkBytes} bytes of a chunk`);
      const out = new Uint8Array(chunkBytes);
      try {
        const produced = decodeLz4Block(input.subarray(4), out, 0, 0);
        if (produced !== chunkBytes) fail(`its lz4 data decodes to ${produced} bytes, not ${chunkBytes}`);
      } catch (e) {
        if (e instanceof Lz4Error) fail(e.message);
        throw e;
      }
      return out;
    }
    case 'crc32c': {
      if (input.length < 4) fail('it is shorter than its 4-byte crc32c checksum');
      const body = input.subarray(0, input.length - 4);
      const stored = new DataView(input.buffer, input.byteOffset + input.length - 4, 4).getUint32(0, true);
      if (crc32c(body) !== stored) fail('its crc32c checksum does not match its bytes (the chunk is damaged)');
      return body;
    }
  }
}

let CRC32C_TABLE: Uint32Array | undefined;

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the v3 crc32c codec's checksum. */
export function crc32c(bytes: Uint8Array): number {
  if (!CRC32C_TABLE) {
    CRC32C_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      CRC32C_TABLE[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The most bytes a chunk of `chunkBytes` can be stored in by these codecs: what any of them adds to
 * incompressible data (blosc's header and tables, deflate's stored blocks, a zstd raw block's
 * headers) stays well below an eighth of the chunk plus 64 KiB. Anything larger is not a chunk of
 * this array.
 */
export function maxStoredBytes(chunkBytes: number, codecs: readonly ZarrCodecName[]): number {
  return codecs.length === 0 ? chunkBytes : chunkBytes + Math.ceil(chunkBytes / 8) + 65536;
}
