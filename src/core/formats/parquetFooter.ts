import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import { readThriftStruct, thriftInt, thriftText, ThriftDamage, type ThriftStruct } from './thriftCompact';

/**
 * The Parquet footer (FileMetaData, Thrift compact), checked before hyparquet parses it: hyparquet
 * trusts it, and a footer it cannot follow fails inside it with JavaScript exception text. Here
 * every problem is stated as a fact about the file: encryption (which we do not decrypt), a footer
 * that does not fit the file, and a schema that is not one tree of known types.
 */

/** Footers beyond this are not plausible (hyparquet reads the footer whole). */
const MAX_FOOTER_BYTES = 64 << 20;
/** Deeper schemas are not embeddings (and hyparquet walks them recursively). */
const MAX_SCHEMA_DEPTH = 64;

/** parquet.thrift's Type and FieldRepetitionType enums. */
const PHYSICAL_TYPES = 8;
/** parquet.thrift's CompressionCodec enum (UNCOMPRESSED ... LZ4_RAW). */
const CODECS = 8;
const REPETITION_TYPES = 3;

/** The file is cut short (or was never a Parquet file): what the missing tail says, and nothing more. */
const CUT_SHORT = 'Re-copy the file: it looks cut short.';
/** Bytes that are there but wrong. */
export const PARQUET_DAMAGED = 'The file is damaged, or its writer broke the Parquet format; re-save it (e.g. df.to_parquet(path)).';

export function parquetFooterDamage(label: string, problem: string): EmbdiagError {
  return new EmbdiagError('bad-header', `${label}: ${problem}.`, PARQUET_DAMAGED);
}

function encrypted(label: string, how: string): EmbdiagError {
  return new EmbdiagError('unsupported-encryption', `${label}: is an encrypted Parquet file (${how}); this reader does not decrypt Parquet files.`,
    'Decrypt it with its key (e.g. with pyarrow.parquet and a CryptoFactory) and analyse an unencrypted copy.');
}

/**
 * Reads and checks the footer of a Parquet file (its magic, length, encryption and schema).
 * Throws EmbdiagError: `bad-header`, `too-large`, or `unsupported-encryption`.
 */
export async function checkParquetFooter(source: ByteSource, label: string): Promise<void> {
  if (source.size < 12) throw new EmbdiagError('bad-header', `${label}: is only ${source.size} bytes, too short for a Parquet file.`, CUT_SHORT);
  const tail = await source.read(source.size - 8, 8);
  const magic = String.fromCharCode(...tail.subarray(4));
  // Parquet modular encryption with an encrypted footer ends with 'PARE' instead of 'PAR1'.
  if (magic === 'PARE') throw encrypted(label, 'its footer is encrypted: it ends with the magic bytes PARE');
  if (magic !== 'PAR1') {
    throw new EmbdiagError('bad-header', `${label}: does not end with the Parquet magic bytes PAR1, so its footer is missing.`, CUT_SHORT);
  }
  const footerLength = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
  if (footerLength > source.size - 12) {
    throw new EmbdiagError('bad-header', `${label}: declares a ${footerLength}-byte footer, longer than the file (${source.size} bytes).`, CUT_SHORT);
  }
  if (footerLength > MAX_FOOTER_BYTES) {
    throw new EmbdiagError('too-large', `${label}: its Parquet footer is ${footerLength} bytes, more than the ${MAX_FOOTER_BYTES} this tool reads.`, 'Rewrite the file with fewer row groups or columns.');
  }
  const footer = await source.read(source.size - 8 - footerLength, footerLength);
  let problem: string | undefined;
  try {
    problem = footerProblem(footer, label);
  } catch (e) {
    if (!(e instanceof ThriftDamage)) throw e;
    problem = `has a damaged footer (${e.message})`;
  }
  if (problem) throw parquetFooterDamage(label, problem);
}

/** The first thing wrong with the footer, as a sentence about the file; undefined when it is sound. */
function footerProblem(footer: Uint8Array, label: string): string | undefined {
  const elements: ThriftStruct[] = [];
  const chunkCounts: number[] = [];
  const chunks: { group: number; index: number; chunk: ThriftStruct }[] = [];
  let encryptedColumns = false;
  const metadata = readThriftStruct(footer, { at: 0 }, 0, (id, elementType, count, pos) => {
    if (id === 2) { // FileMetaData.schema: list<SchemaElement>
      if (elementType !== 12) throw new ThriftDamage('its schema is not a list of elements');
      for (let i = 0; i < count; i++) elements.push(readThriftStruct(footer, pos, 1));
      return true;
    }
    if (id === 4 && elementType === 12) { // FileMetaData.row_groups: list<RowGroup>
      for (let g = 0; g < count; g++) {
        let chunkCount = 0;
        readThriftStruct(footer, pos, 1, (field, type, n, at) => {
          if (field !== 1 || type !== 12) return false; // RowGroup.columns: list<ColumnChunk>
          for (let c = 0; c < n; c++) {
            const chunk = readThriftStruct(footer, at, 2);
            chunks.push({ group: g, index: c, chunk });
            // ColumnChunk.crypto_metadata (a union of two structs) / encrypted_column_metadata (bytes)
            if (isUnionOf(chunk.get(8), [1, 2]) || chunk.get(9) instanceof Uint8Array) encryptedColumns = true;
          }
          chunkCount = n;
          return true;
        });
        chunkCounts.push(chunkCount);
      }
      return true;
    }
    return false;
  });
  // FileMetaData.encryption_algorithm: encryption with a plaintext footer.
  if (isUnionOf(metadata.get(8), [1, 2])) throw encrypted(label, 'its footer is plaintext, but its columns are encrypted');
  if (encryptedColumns) throw encrypted(label, 'some of its columns are encrypted');
  if (!elements.length) return 'has a footer without a schema';
  return schemaProblem(elements) ?? chunkProblem(elements, chunkCounts) ?? chunkMetadataProblem(chunks);
}

/** A Thrift union: a struct holding exactly one field, a struct, of the given ids. */
function isUnionOf(value: unknown, ids: number[]): boolean {
  return value instanceof Map && value.size === 1 && ids.some(id => value.get(id) instanceof Map);
}

const children = (el: ThriftStruct): number => thriftInt(el, 5) ?? 0;

/** The schema list must form one tree (depth-first, by num_children) of elements with known types. */
function schemaProblem(elements: ThriftStruct[]): string | undefined {
  const name = (i: number) => {
    const text = thriftText(elements[i], 4);
    return text === undefined ? `schema element ${i} (unnamed)` : `column '${text.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)}'`;
  };
  if (children(elements[0]) < 0 || !Number.isSafeInteger(children(elements[0]))) return `its footer's schema root declares ${children(elements[0])} children`;
  // Walk the tree as hyparquet will (iteratively: the nesting is as deep as the file says).
  const pending = [children(elements[0])];
  let next = 1;
  while (pending.length) {
    if (pending[pending.length - 1] === 0) { pending.pop(); continue; }
    pending[pending.length - 1]--;
    if (next >= elements.length) return `its footer's schema declares more elements than the ${elements.length} it lists`;
    const i = next++;
    const el = elements[i];
    const n = children(el);
    if (!Number.isSafeInteger(n) || n < 0) return `its footer's schema has an element with ${n} children (${name(i)})`;
    const type = thriftInt(el, 1);
    if (type !== undefined && !(type >= 0 && type < PHYSICAL_TYPES)) return `its footer declares physical type ${type} for ${name(i)}, which does not exist`;
    if (n === 0 && type === undefined) return `its footer declares ${name(i)} without a physical type (nor children)`;
    const repetition = thriftInt(el, 3);
    if (repetition !== undefined && !(repetition >= 0 && repetition < REPETITION_TYPES)) return `its footer declares repetition type ${repetition} for ${name(i)}, which does not exist`;
    if (pending.length > MAX_SCHEMA_DEPTH) return `its footer's schema nests more than ${MAX_SCHEMA_DEPTH} levels deep`;
    pending.push(n);
  }
  if (next < elements.length) return `its footer's schema lists ${elements.length} elements, but its tree holds ${next}`;
  return undefined;
}

/** Every row group holds one column chunk per leaf column. */
function chunkProblem(elements: ThriftStruct[], chunkCounts: number[]): string | undefined {
  const leaves = elements.slice(1).filter(el => children(el) === 0).length;
  const g = chunkCounts.findIndex(n => n !== leaves);
  return g < 0 ? undefined : `its footer gives row group ${g} ${chunkCounts[g]} column chunks for ${leaves} columns`;
}

/** Each column chunk's metadata (ColumnChunk.meta_data) is there, with a physical type and a codec that exist. */
function chunkMetadataProblem(chunks: { group: number; index: number; chunk: ThriftStruct }[]): string | undefined {
  for (const { group, index, chunk } of chunks) {
    const where = `column chunk ${index} of row group ${group}`;
    const meta = chunk.get(3);
    if (!(meta instanceof Map)) return `its footer gives ${where} no metadata`;
    const type = thriftInt(meta, 1);
    if (type === undefined || !(type >= 0 && type < PHYSICAL_TYPES)) return `its footer declares physical type ${type ?? '(none)'} for ${where}, which does not exist`;
    const codec = thriftInt(meta, 4);
    if (codec === undefined || !(codec >= 0 && codec < CODECS)) return `its footer declares compression codec ${codec ?? '(none)'} for ${where}, which does not exist`;
  }
  return undefined;
}
