/**
 * Just enough of Thrift's compact protocol for Parquet's footer and page headers: a struct as a
 * map of field id → value (nested structs as maps, binaries as views of the bytes; lists, maps and
 * doubles skipped),
 * bounded in depth and by the buffer, so a damaged header fails here, typed, instead of in a library.
 */

/** Damage found while reading; `overrun` when the bytes ran out (a caller may retry with more). */
export class ThriftDamage extends Error {
  constructor(message: string, readonly overrun = false) { super(message); this.name = 'ThriftDamage'; }
}

export type ThriftValue = number | boolean | Uint8Array | ThriftStruct | undefined;
export type ThriftStruct = Map<number, ThriftValue>;

const MAX_DEPTH = 16;

/**
 * Reads one struct from `b` at `pos.at` (advancing it). `onList(fieldId, elementType, count, pos)`
 * may consume a list field itself (returning true); otherwise lists are skipped.
 */
export function readThriftStruct(b: Uint8Array, pos: { at: number }, depth = 0,
  onList?: (id: number, elementType: number, count: number, pos: { at: number }) => boolean): ThriftStruct {
  if (depth > MAX_DEPTH) throw new ThriftDamage('a Thrift structure nests too deeply');
  const overrun = () => new ThriftDamage('a Thrift structure runs past its bytes', true);
  const byte = (): number => {
    if (pos.at >= b.length) throw overrun();
    return b[pos.at++];
  };
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const x = byte();
      if (shift < 53) v += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) return v;
    }
    throw new ThriftDamage('a Thrift structure holds an overlong integer');
  };
  const zigzag = (): number => { const v = varint(); return v % 2 ? -(v + 1) / 2 : v / 2; };
  const listHeader = (): [number, number] => {
    const head = byte();
    const n = head >> 4 === 15 ? varint() : head >> 4;
    if (n > b.length - pos.at) throw new ThriftDamage('a Thrift list claims more items than it has bytes', true);
    return [(head & 15) === 1 || (head & 15) === 2 ? 3 : head & 15, n];
  };
  const skipBytes = (n: number) => { pos.at += n; if (pos.at > b.length) throw overrun(); };
  const value = (type: number, d: number): ThriftValue => {
    switch (type) {
      case 1: return true;
      case 2: return false;
      case 3: return byte();
      case 4: case 5: case 6: return zigzag();
      case 7: skipBytes(8); return undefined;
      case 8: { const n = varint(); const at = pos.at; skipBytes(n); return b.subarray(at, pos.at); }
      case 9: case 10: {
        const [element, n] = listHeader();
        for (let i = 0; i < n; i++) value(element, d + 1);
        return undefined;
      }
      case 11: {
        const n = varint();
        if (n > b.length - pos.at) throw new ThriftDamage('a Thrift map claims more items than it has bytes', true);
        if (n) { const kv = byte(); for (let i = 0; i < n; i++) { value(kv >> 4, d + 1); value(kv & 15, d + 1); } }
        return undefined;
      }
      case 12: return readThriftStruct(b, pos, d + 1);
      default: throw new ThriftDamage(`a Thrift structure holds an unknown field type ${type}`);
    }
  };
  const out: ThriftStruct = new Map();
  let id = 0;
  for (;;) {
    const head = byte();
    const type = head & 15;
    if (type === 0) return out;
    id = head >> 4 ? id + (head >> 4) : zigzag();
    if ((type === 9 || type === 10) && onList) {
      const at = pos.at;
      const [element, n] = listHeader();
      if (onList(id, element, n, pos)) continue;
      pos.at = at;
    }
    out.set(id, value(type, depth));
  }
}

/** An integer field of a struct, or undefined when absent or of another type. */
export function thriftInt(s: ThriftStruct | undefined, id: number): number | undefined {
  const v = s?.get(id);
  return typeof v === 'number' ? v : undefined;
}

/** A struct field of a struct, or undefined. */
export function thriftStruct(s: ThriftStruct | undefined, id: number): ThriftStruct | undefined {
  const v = s?.get(id);
  return v instanceof Map ? v : undefined;
}

/** A binary field of a struct as text (names in the schema), or undefined. */
export function thriftText(s: ThriftStruct | undefined, id: number): string | undefined {
  const v = s?.get(id);
  return v instanceof Uint8Array ? new TextDecoder().decode(v) : undefined;
}
