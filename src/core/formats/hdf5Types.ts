import type { DTypeResult, DType } from './dtype';
import { makeDType } from './dtype';

/**
 * HDF5 datatypes as numbers we can analyse. HDF5 converts to little-endian on reading (h5wasm reads
 * into a little-endian copy of the file type), so every decoder is little-endian.
 */

/** What h5wasm tells about a datatype (the fields of its metadata we use). */
export interface Hdf5TypeMetadata {
  type: number;
  size: number;
  signed?: boolean;
  enum_type?: { members?: Record<string, number> };
  /** Array datatypes: the element type, with the array's dimensions. */
  array_type?: Hdf5TypeMetadata & { shape?: number[] | null };
}

// HDF5's datatype classes (H5T_class_t).
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_TIME = 2;
const H5T_STRING = 3;
const H5T_BITFIELD = 4;
const H5T_OPAQUE = 5;
const H5T_COMPOUND = 6;
const H5T_REFERENCE = 7;
const H5T_ENUM = 8;
const H5T_VLEN = 9;
const H5T_ARRAY = 10;

/** A readable element type: its values' dtype, and for an HDF5 array datatype the dimensions each element adds. */
export type Hdf5ElementType =
  | { ok: true; dtype: DType; arrayShape: number[]; notes: string[] }
  | Extract<DTypeResult, { ok: false }>;

function refuse(name: string, reason: string): Extract<DTypeResult, { ok: false }> {
  return { ok: false, refused: { name, code: 'unsupported-dtype', reason } };
}

const UNSIGNED: Record<number, 'uint8' | 'uint16' | 'uint32' | 'uint64'> = { 1: 'uint8', 2: 'uint16', 4: 'uint32', 8: 'uint64' };

/** The element type of a dataset, or why its values are not numbers we read. */
export function hdf5ElementType(m: Hdf5TypeMetadata): Hdf5ElementType {
  const plain = (dtype: DType, notes: string[] = []): Hdf5ElementType => ({ ok: true, dtype, arrayShape: [], notes });
  switch (m.type) {
    case H5T_FLOAT:
      if (m.size === 2 || m.size === 4 || m.size === 8) return plain(makeDType(m.size === 2 ? 'float16' : m.size === 4 ? 'float32' : 'float64'));
      if (m.size > 8) return refuse(`float${m.size * 8}`, `its values are float${m.size * 8} (long double), which has no exact float64 conversion; convert them to float64 if that precision is enough`);
      return refuse(`float${m.size * 8}`, `its ${m.size * 8}-bit float type is not a standard width; convert it to float32`);
    case H5T_INTEGER:
      if ([1, 2, 4, 8].includes(m.size)) return plain(makeDType(`${m.signed ? 'int' : 'uint'}${m.size * 8}` as 'int8'));
      return refuse(`int${m.size * 8}`, 'its integer width is not a standard one');
    case H5T_BITFIELD:
      // As h5py reads them: unsigned integers of the same width (0/1 for PyTables' booleans).
      if (UNSIGNED[m.size]) return plain(makeDType(UNSIGNED[m.size]), [`A bitfield (PyTables stores booleans this way), read as ${UNSIGNED[m.size]} as h5py does.`]);
      return refuse(`bitfield${m.size * 8}`, `it holds ${m.size * 8}-bit bitfields, not a standard integer width`);
    case H5T_ENUM: {
      const members = m.enum_type?.members ?? {};
      const names = Object.keys(members).sort().join(',');
      // h5py stores numpy bool as an enum {FALSE: 0, TRUE: 1} over int8.
      if (m.size === 1 && names === 'FALSE,TRUE' && members.FALSE === 0 && members.TRUE === 1) return plain(makeDType('bool'));
      return refuse('enum', 'it holds enum labels (named categories), not numbers');
    }
    case H5T_ARRAY: {
      const base = m.array_type;
      const dims = base?.shape ?? [];
      if (!base || dims.length === 0 || !dims.every(d => Number.isSafeInteger(d) && d > 0)) return refuse('array', 'its elements are fixed-size arrays of an unreadable shape');
      const inner = hdf5ElementType(base);
      if (!inner.ok) return refuse(`array of ${inner.refused.name}`, `its elements are fixed-size arrays (${dims.join(' x ')}) whose values are not numbers we read: ${inner.refused.reason}`);
      if (inner.arrayShape.length) return refuse('array of arrays', 'its elements are arrays of arrays');
      return { ok: true, dtype: inner.dtype, arrayShape: dims, notes: [`Each element is an array of ${dims.join(' x ')} values (an HDF5 array datatype), read as extra trailing dimensions as h5py does.`, ...inner.notes] };
    }
    case H5T_STRING: return refuse('str', 'it holds strings, not numbers');
    case H5T_COMPOUND: return refuse('compound', 'it is a compound (record) dataset; store the embeddings as their own numeric dataset');
    case H5T_VLEN: return refuse('vlen', 'it holds variable-length sequences; store the embeddings as a 2-D numeric dataset');
    case H5T_TIME: return refuse('time', 'it holds time values, not numbers');
    case H5T_OPAQUE: return refuse('opaque', 'it holds opaque bytes (binary blobs), not numbers');
    case H5T_REFERENCE: return refuse('reference', 'it holds references to other objects in the file, not numbers');
    default: return refuse('unknown', 'its datatype is of a kind HDF5 does not define');
  }
}
