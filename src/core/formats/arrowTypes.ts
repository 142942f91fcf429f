import type { DTypeName } from './dtype';

/**
 * Arrow column types as this reader sees them: the element dtype of a numeric type, and a
 * readable name for any other (pyarrow's spelling: decimal128(9, 2), timestamp[ms], list<item: float>).
 */

type Arrow = typeof import('apache-arrow');
type DataType = import('apache-arrow').DataType;
type Field = import('apache-arrow').Field;

export type Leaf = { ok: true; dtype: DTypeName } | { ok: false; name: string; reason: string };

const UNITS = ['s', 'ms', 'us', 'ns'];
const FLOAT_NAMES = ['halffloat', 'float', 'double'];
/** Nested types deeper than this are named by their outer levels only. */
const MAX_NAME_DEPTH = 4;

/** Fields of apache-arrow's type objects that we read (its typings do not expose them per type). */
interface TypeFields {
  typeId?: number; bitWidth?: number; isSigned?: boolean; precision?: number; scale?: number; unit?: number;
  timezone?: string | null; listSize?: number; byteWidth?: number; children?: Field[]; dictionary?: DataType; indices?: DataType;
}

/** A type's name for listings and messages (never apache-arrow's toString, which throws on an incomplete type). */
export function arrowTypeName(arrow: Arrow, t: DataType, depth = 0): string {
  const D = arrow.DataType;
  const f = t as unknown as TypeFields;
  const child = (i: number) => {
    const c = f.children?.[i];
    if (!c) return '?';
    return depth >= MAX_NAME_DEPTH ? '…' : arrowTypeName(arrow, c.type, depth + 1);
  };
  const unit = (u: number | undefined) => UNITS[u ?? -1] ?? '?';
  if (D.isNull(t)) return 'null';
  if (D.isBool(t)) return 'bool';
  if (D.isInt(t)) return `${f.isSigned ? 'int' : 'uint'}${f.bitWidth}`;
  if (D.isFloat(t)) return FLOAT_NAMES[f.precision ?? -1] ?? 'float(?)';
  if (D.isDecimal(t)) return `decimal${f.bitWidth ?? 128}(${f.precision}, ${f.scale})`;
  if (D.isUtf8(t)) return 'string';
  if (D.isLargeUtf8(t)) return 'large_string';
  if (D.isBinary(t)) return 'binary';
  if (D.isLargeBinary(t)) return 'large_binary';
  if (D.isFixedSizeBinary(t)) return `fixed_size_binary[${f.byteWidth}]`;
  if (D.isDate(t)) return f.unit === 0 ? 'date32[day]' : 'date64[ms]';
  if (D.isTime(t)) return `time${f.bitWidth}[${unit(f.unit)}]`;
  if (D.isTimestamp(t)) return `timestamp[${unit(f.unit)}${f.timezone ? `, tz=${f.timezone}` : ''}]`;
  if (D.isDuration(t)) return `duration[${unit(f.unit)}]`;
  if (D.isInterval(t)) return 'interval';
  if (D.isList(t)) return `list<${child(0)}>`;
  if (D.isLargeList(t)) return `large_list<${child(0)}>`;
  if (D.isFixedSizeList(t)) return `fixed_size_list<${child(0)}>[${f.listSize}]`;
  if (D.isStruct(t)) return `struct<${(f.children ?? []).map((c, i) => `${String(c.name)}: ${child(i)}`).join(', ')}>`;
  if (D.isMap(t)) return 'map';
  if (D.isUnion(t)) return 'union';
  if (D.isDictionary(t)) return `dictionary<values=${f.dictionary ? arrowTypeName(arrow, f.dictionary, depth + 1) : '?'}>`;

  if (f.typeId === arrow.Type.Utf8View) return 'string_view';
  if (f.typeId === arrow.Type.BinaryView) return 'binary_view';
  return `Arrow type ${typeof f.typeId === 'number' ? f.typeId : '?'}`;
}

const INT_WIDTHS = new Set([8, 16, 32, 64]);

/** The element dtype of a numeric (scalar) type, or its name and why it is not numbers. */
export function leafType(arrow: Arrow, t: DataType): Leaf {
  const D = arrow.DataType;
  const f = t as unknown as TypeFields;
  if (D.isFloat(t) && (f.precision === 0 || f.precision === 1 || f.precision === 2)) {
    return { ok: true, dtype: f.precision === 0 ? 'float16' : f.precision === 1 ? 'float32' : 'float64' };
  }
  if (D.isInt(t) && INT_WIDTHS.has(f.bitWidth ?? 0)) return { ok: true, dtype: `${f.isSigned ? 'int' : 'uint'}${f.bitWidth}` as DTypeName };
  if (D.isBool(t)) return { ok: true, dtype: 'bool' };
  const name = arrowTypeName(arrow, t);
  // named as numpy names a string array, like the other formats' string columns
  if (D.isUtf8(t) || D.isLargeUtf8(t)) return { ok: false, name: 'str', reason: 'it holds strings, not numbers' };
  if (D.isDecimal(t)) return { ok: false, name, reason: `it holds ${name} values (decimals), which this reader does not convert to numbers; cast the column to float64` };
  return { ok: false, name, reason: `it holds ${name} values, not numbers` };
}
