import type { SchemaElement, SchemaTree } from 'hyparquet';
import type { DTypeName } from './dtype';

/**
 * What a Parquet column holds, from its schema: one number per row, a list of numbers per row
 * (an embedding), or something else (strings, maps, structs, nested lists) with the reason.
 */

export type Leaf = { ok: true; dtype: DTypeName } | { ok: false; name: string; reason: string };

/** The element type of a primitive column, as we decode it. */
export function leafType(el: SchemaElement): Leaf {
  const logical = el.logical_type;
  const converted = el.converted_type;
  const notNumber = (name: string, what: string): Leaf => ({ ok: false, name, reason: `it holds ${what}, not numbers` });
  if (logical?.type === 'STRING' || converted === 'UTF8') return notNumber('str', 'strings');
  if (logical && ['DATE', 'TIME', 'TIMESTAMP', 'DECIMAL', 'INTERVAL', 'UUID', 'JSON', 'BSON', 'STRING', 'ENUM'].includes(logical.type)) {
    return notNumber(logical.type.toLowerCase(), `${logical.type.toLowerCase()} values`);
  }
  if (converted && /^(DATE|TIME|TIMESTAMP|DECIMAL|INTERVAL|UTF8|JSON|BSON|ENUM)/.test(converted)) return notNumber(converted.toLowerCase(), `${converted.toLowerCase()} values`);
  switch (el.type) {
    case 'FLOAT': return { ok: true, dtype: 'float32' };
    case 'DOUBLE': return { ok: true, dtype: 'float64' };
    case 'BOOLEAN': return { ok: true, dtype: 'bool' };
    case 'INT32': {
      if (logical?.type === 'INTEGER') {
        const { bitWidth, isSigned } = logical as { bitWidth: number; isSigned: boolean };
        return { ok: true, dtype: `${isSigned ? 'int' : 'uint'}${bitWidth}` as DTypeName };
      }
      const map: Record<string, DTypeName> = { INT_8: 'int8', INT_16: 'int16', UINT_8: 'uint8', UINT_16: 'uint16', UINT_32: 'uint32' };
      return { ok: true, dtype: (converted && map[converted]) || 'int32' };
    }
    case 'INT64':
      return { ok: true, dtype: converted === 'UINT_64' || (logical?.type === 'INTEGER' && !(logical as { isSigned: boolean }).isSigned) ? 'uint64' : 'int64' };
    case 'FIXED_LEN_BYTE_ARRAY':
      if (logical?.type === 'FLOAT16') return { ok: true, dtype: 'float16' };
      return notNumber('bytes', 'fixed-length byte strings');
    case 'BYTE_ARRAY': return notNumber('str', 'strings or bytes');
    case 'INT96': return notNumber('int96', 'INT96 timestamps');
    default: return notNumber(String(el.type), `values of type ${el.type}`);
  }
}

function isList(el: SchemaElement): boolean {
  return el.converted_type === 'LIST' || el.logical_type?.type === 'LIST';
}

/** What a top-level column is: one number per row, a list of numbers per row, or something else. */
export type ColumnKind =
  | { kind: 'scalar'; leaf: Leaf }
  | { kind: 'list'; leaf: Leaf; leafPath: string[] }
  | { kind: 'other'; name: string; reason: string };

function isMap(el: SchemaElement): boolean {
  return el.converted_type === 'MAP' || el.converted_type === 'MAP_KEY_VALUE' || el.logical_type?.type === 'MAP';
}

export function classify(node: SchemaTree): ColumnKind {
  const el = node.element;
  if (node.children.length === 0) {
    if (el.repetition_type === 'REPEATED') return { kind: 'list', leaf: leafType(el), leafPath: node.path };
    return { kind: 'scalar', leaf: leafType(el) };
  }
  // A map's key_value group is a repeated group too (with or without its value field): a map, not a list.
  const repeated = node.children.length === 1 && node.children[0].element.repetition_type === 'REPEATED' ? node.children[0] : undefined;
  if (isMap(el) || (repeated && isMap(repeated.element))) return { kind: 'other', name: 'map', reason: 'it is a map column' };
  // LIST-annotated group (or any group with a single repeated field): <name> { repeated group list { element } } or 2-level <name> { repeated element }.
  if (repeated) {
    if (repeated.children.length === 0) return { kind: 'list', leaf: leafType(repeated.element), leafPath: repeated.path };
    const element = repeated.children.length === 1 ? repeated.children[0] : undefined;
    if (element && element.children.length === 0 && element.element.repetition_type !== 'REPEATED') {
      return { kind: 'list', leaf: leafType(element.element), leafPath: element.path };
    }
    const nested = element && (element.element.repetition_type === 'REPEATED' || isList(element.element)
      || (element.children.length === 1 && element.children[0].element.repetition_type === 'REPEATED'));
    return nested
      ? { kind: 'other', name: 'list', reason: 'it holds nested lists (a list of lists per row), not one list of numbers' }
      : { kind: 'other', name: 'list', reason: 'its lists hold structs, not numbers' };
  }
  return { kind: 'other', name: 'struct', reason: 'it is a struct column' };
}
