import type { DTypeName } from '../formats/dtype';

/**
 * How a user spells the dtype of a headerless raw array (`--dtype`, the manifest's "dtype", the
 * editor's prompt): a name or a numpy code with an optional byte-order mark. Kept apart from the
 * decoders in formats/dtype.ts so that checking a manifest at activation loads no reader code.
 */
const RAW_NAMES: readonly DTypeName[] = ['float32', 'float16', 'float64', 'bfloat16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'];

const NUMPY_CODES: Readonly<Record<string, DTypeName>> = {
  f2: 'float16', f4: 'float32', f8: 'float64',
  i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64',
};

export const RAW_DTYPE_HELP = 'float32, float16, float64, bfloat16, int8, uint8, int16, uint16, int32, uint32, int64, uint64 or a numpy code such as f4, <f2, >f8 (">" big-endian; little-endian by default)';

/** The dtype a user wrote ('float32', '>f4', 'f2', '<float64'), or undefined when it is none we read. */
export function rawDTypeSpelling(text: string): { name: DTypeName; littleEndian: boolean } | undefined {
  const t = text.trim();
  const order = /^[<>=|]/.test(t) ? t[0] : '';
  const body = order ? t.slice(1) : t;
  const name = RAW_NAMES.find(n => n === body.toLowerCase()) ?? NUMPY_CODES[body];
  return name ? { name, littleEndian: order !== '>' } : undefined;
}
