import type { ByteSource } from '../io/byteSource';
import { readThriftStruct, thriftInt as int, thriftStruct as sub, ThriftDamage, type ThriftStruct } from './thriftCompact';

/**
 * A Parquet page header (Thrift PageHeader): read from the file in a growing window, checked
 * against the column chunk and the page limits, for the page reader (parquetPages.ts). The page
 * types, encodings and limits are the page checker's (parquetPageCheck.ts) too.
 */

/** Largest page (compressed or not) decoded. Writers default to 1 MiB. */
export const MAX_PAGE_BYTES = 64 << 20;
/** Most level entries in one page. */
export const MAX_PAGE_VALUES = 1 << 24;
/** Most bytes a page header may take (statistics included). */
const MAX_HEADER_BYTES = 1 << 20;

export const PAGE_DATA = 0;
export const PAGE_DICTIONARY = 2;
export const PAGE_DATA_V2 = 3;
export const ENCODING_PLAIN = 0;
export const ENCODING_PLAIN_DICTIONARY = 2;
export const ENCODING_RLE = 3;
export const ENCODING_RLE_DICTIONARY = 8;
export const ENCODING_BYTE_STREAM_SPLIT = 9;

export interface Page {
  /** File offset of the page header. */
  at: number;
  headerLength: number;
  compressed: number;
  uncompressed: number;
  type: number;
  /** Level entries in the page. */
  count: number;
  encoding: number;
  /** Data page v1: level encodings. */
  definitionEncoding?: number;
  repetitionEncoding?: number;
  /** Data page v2. */
  rows?: number;
  definitionLength?: number;
  repetitionLength?: number;
  valuesCompressed?: boolean;
  /** Level entries in the chunk before this page (data pages). */
  firstEntry: number;
}

export async function readPageHeader(source: ByteSource, at: number, end: number, damaged: (detail: string) => Error, tooLarge: (bytes: number) => Error): Promise<Page> {
  for (let window = 256; ; window *= 4) {
    const n = Math.min(window, end - at, MAX_HEADER_BYTES);
    const bytes = await source.read(at, n);
    const pos = { at: 0 };
    let header: ThriftStruct;
    try {
      header = readThriftStruct(bytes, pos);
    } catch (e) {
      if (!(e instanceof ThriftDamage)) throw e;
      if (e.overrun && n < Math.min(end - at, MAX_HEADER_BYTES)) continue;
      throw damaged(`the page header at byte ${at} ${e.overrun ? 'runs past the column chunk' : e.message.replace(/^a Thrift structure /, '')}`);
    }
    const type = int(header, 1) ?? -1;
    const uncompressed = int(header, 2) ?? -1;
    const compressed = int(header, 3) ?? -1;
    if (compressed < 0 || at + pos.at + compressed > end) throw damaged(`the page at byte ${at} declares ${compressed} bytes, past the end of the column chunk`);
    if (uncompressed < 0 || uncompressed > MAX_PAGE_BYTES || compressed > MAX_PAGE_BYTES) {
      throw tooLarge(Math.max(uncompressed, compressed));
    }
    const page: Page = { at, headerLength: pos.at, compressed, uncompressed, type, count: 0, encoding: -1, firstEntry: 0 };
    const v1 = sub(header, 5);
    const v2 = sub(header, 8);
    const dictionary = sub(header, 7);
    if (type === PAGE_DATA) {
      if (!v1) throw damaged(`the data page at byte ${at} has no data page header`);
      page.count = int(v1, 1) ?? -1;
      page.encoding = int(v1, 2) ?? -1;
      page.definitionEncoding = int(v1, 3);
      page.repetitionEncoding = int(v1, 4);
    } else if (type === PAGE_DATA_V2) {
      if (!v2) throw damaged(`the data page at byte ${at} has no data page header`);
      page.count = int(v2, 1) ?? -1;
      page.rows = int(v2, 3) ?? -1;
      page.encoding = int(v2, 4) ?? -1;
      page.definitionLength = int(v2, 5) ?? 0;
      page.repetitionLength = int(v2, 6) ?? 0;
      page.valuesCompressed = v2.get(7) !== false;
      if (page.rows < 0 || page.definitionLength < 0 || page.repetitionLength < 0 || page.definitionLength + page.repetitionLength > compressed) {
        throw damaged(`the data page at byte ${at} declares levels longer than the page`);
      }
    } else if (type === PAGE_DICTIONARY) {
      if (!dictionary) throw damaged(`the dictionary page at byte ${at} has no dictionary page header`);
      page.count = int(dictionary, 1) ?? -1;
      page.encoding = int(dictionary, 2) ?? -1;
    }
    if (page.count < 0 || page.count > MAX_PAGE_VALUES) throw damaged(`the page at byte ${at} declares ${page.count} values (at most ${MAX_PAGE_VALUES} are read per page)`);
    return page;
  }
}
