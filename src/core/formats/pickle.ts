import { EmbdiagError } from '../errors';

/**
 * A restricted unpickler: it reads the pickle opcodes that torch.save emits (protocols 0-5) and
 * builds plain data. Nothing is ever executed. A global (module.name) is accepted only when the
 * caller allows it, and it then means exactly what the caller's handler says (a tensor, an
 * OrderedDict, ...); any other global, and every opcode whose only use is running code
 * (extension registry, INST/OBJ of unknown classes, out-of-band buffers), is refused with an
 * EmbdiagError 'pickle-refused' naming it.
 *
 * Limits keep a hostile pickle from exhausting memory or time: lengths are checked against the
 * remaining input before anything is allocated, and the stack, the mark stack and the memo are
 * capped. The machine itself is iterative (no recursion), so deep nesting cannot overflow the
 * call stack; the results may still contain cycles (a list appended to itself through the
 * memo), which consumers must guard against (see `walkPickle`).
 */

/** A Python tuple (JS arrays are lists). */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** A Python dict (or OrderedDict), insertion-ordered. Keys are compared by value when hashable primitives. */
export class PyDict {
  private readonly entries = new Map<unknown, [PyValue, PyValue]>();
  private anonymous = 0;
  constructor(readonly className = 'dict') {}

  set(key: PyValue, value: PyValue): void {
    this.entries.set(dictKey(key, () => this.anonymous++), [key, value]);
  }
  get(key: string): PyValue | undefined {
    return this.entries.get(dictKey(key, () => 0))?.[1];
  }
  get size(): number { return this.entries.size; }
  *items(): IterableIterator<[PyValue, PyValue]> { yield* this.entries.values(); }
}

/** A set or frozenset. */
export class PySet {
  constructor(readonly items: PyValue[] = []) {}
}

/** An allowed global used as a value (a storage type, a dtype, a class passed as an argument). */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualifiedName(): string { return `${this.module}.${this.name}`; }
}

/** Objects that a global's handler built (tensors, storages, ...): anything tagged with a kind. */
export interface PyCustom {
  readonly pyKind: string;
}

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PySet | PyGlobal | PyCustom;

/** What an allowed global may do. A global without `call` may only appear as a value. */
export interface AllowedGlobal {
  /** REDUCE: global(*args). */
  call?: (args: readonly PyValue[]) => PyValue;
}

export interface UnpickleOptions {
  /** Names the input in error messages (file, zip entry). */
  label: string;
  /** 'module.name' → its meaning. Every other global is refused. */
  globals: ReadonlyMap<string, AllowedGlobal>;
  /** PERSID / BINPERSID: the caller's reference resolution (torch storages). Absent: refused. */
  persistentLoad?: (pid: PyValue) => PyValue;
  /** The hint appended to refusals. */
  refusalHint?: string;
}

export interface UnpickleResult {
  value: PyValue;
  /** Offset just past the STOP opcode. */
  end: number;
}

const MAX_STACK = 1_000_000;
const MAX_MARKS = 10_000;
const MAX_MEMO = 1_000_000;

class StopSignal {}

function dictKey(key: PyValue, fresh: () => number): unknown {
  switch (typeof key) {
    case 'string': return 's' + key;
    case 'number': return key; // Python: 1 == 1.0 == True hash alike
    case 'boolean': return key ? 1 : 0;
    case 'bigint': return Number.isSafeInteger(Number(key)) ? Number(key) : 'b' + key.toString();
    default:
      if (key === null) return 'None';
      if (key instanceof PyTuple && key.items.every(v => v === null || typeof v !== 'object')) {
        return 't' + JSON.stringify(key.items.map(v => (typeof v === 'bigint' ? v.toString() : v)));
      }
      return { anonymous: fresh() };
  }
}

/** A short printable description of a value, for error messages. */
export function describePyValue(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v !== 'object') return String(v);
  if (v instanceof Uint8Array) return `bytes[${v.length}]`;
  if (Array.isArray(v)) return `list[${v.length}]`;
  if (v instanceof PyTuple) return `tuple[${v.items.length}]`;
  if (v instanceof PyDict) return `${v.className}[${v.size}]`;
  if (v instanceof PySet) return `set[${v.items.length}]`;
  if (v instanceof PyGlobal) return v.qualifiedName;
  return v.pyKind;
}

const OPCODE_NAMES: Record<number, string> = {
  0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL', 0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER', 0x50: 'PERSID', 0x51: 'BINPERSID',
};

/**
 * Unpickles one pickle starting at `start` (torch's legacy format is several pickles in a row).
 * Throws EmbdiagError: 'pickle-refused' (a global or opcode that is not allowed),
 * 'truncated' (input ends before STOP), 'bad-header' (malformed pickle).
 */
export function unpickle(data: Uint8Array, start: number, options: UnpickleOptions): UnpickleResult {
  const { label } = options;
  let pos = start;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let stack: PyValue[] = [];
  const marks: PyValue[][] = [];
  const memo = new Map<number, PyValue>();
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8', { fatal: true });

  const malformed = (problem: string) => new EmbdiagError('bad-header',
    `${label}: the pickle is malformed: ${problem} (at byte ${pos - start} of the pickle).`,
    'The file is damaged or not a PyTorch file; re-save it with torch.save.');
  const refused = (what: string) => new EmbdiagError('pickle-refused',
    `${label}: refused to load: ${what}. Nothing from the file was executed.`,
    options.refusalHint ?? 'Only plain tensors and containers of tensors can be read.');

  const need = (n: number): void => {
    if (!Number.isSafeInteger(n) || n < 0) throw malformed(`invalid length ${n}`);
    if (pos + n > data.length) {
      throw new EmbdiagError('truncated', `${label}: the pickle ends after ${data.length - start} bytes, before its STOP opcode (${n} more bytes were needed at byte ${pos - start}).`,
        'The file is probably truncated (an interrupted save or copy); re-save it with torch.save.');
    }
  };
  const u8 = (): number => { need(1); return data[pos++]; };
  const u16 = (): number => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const i32 = (): number => { need(4); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u64 = (): number => {
    need(8);
    const lo = view.getUint32(pos, true);
    const hi = view.getUint32(pos + 4, true);
    pos += 8;
    const v = hi * 4294967296 + lo;
    if (!Number.isSafeInteger(v)) throw malformed('a 64-bit length beyond 2^53');
    return v;
  };
  const take = (n: number): Uint8Array => { need(n); const b = data.subarray(pos, pos + n); pos += n; return b; };
  const line = (): string => {
    const nl = data.indexOf(0x0a, pos);
    if (nl < 0) { need(data.length - pos + 1); }
    const text = latin1.decode(data.subarray(pos, nl));
    pos = nl + 1;
    return text;
  };
  const text = (bytes: Uint8Array): string => {
    try { return utf8.decode(bytes); } catch { throw malformed('a string that is not valid UTF-8'); }
  };

  const push = (v: PyValue): void => {
    if (stack.length >= MAX_STACK) throw refused(`the pickle holds more than ${MAX_STACK} values on its stack`);
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) throw malformed('stack underflow');
    return stack.pop()!;
  };
  const top = (): PyValue => {
    if (stack.length === 0) throw malformed('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const previous = marks.pop();
    if (!previous) throw malformed('no MARK to pop to');
    stack = previous;
    return items;
  };
  const memoPut = (index: number, v: PyValue): void => {
    if (!memo.has(index) && memo.size >= MAX_MEMO) throw refused(`the pickle memoizes more than ${MAX_MEMO} values`);
    memo.set(index, v);
  };
  const memoGet = (index: number): PyValue => {
    if (!memo.has(index)) throw malformed(`memo entry ${index} is used before it is set`);
    return memo.get(index)!;
  };

  const lookupGlobal = (module: string, name: string): PyGlobal => {
    const qualified = `${module}.${name}`;
    if (!options.globals.has(qualified)) {
      throw refused(`the pickle references the Python global '${qualified}', which a tensor file does not need`);
    }
    return new PyGlobal(module, name);
  };
  const callGlobal = (callable: PyValue, args: readonly PyValue[], how: string): PyValue => {
    if (!(callable instanceof PyGlobal)) throw malformed(`${how} applied to ${describePyValue(callable)}, which is not a callable global`);
    const allowed = options.globals.get(callable.qualifiedName);
    if (!allowed?.call) throw refused(`the pickle calls '${callable.qualifiedName}', which may only appear as a value`);
    return allowed.call(args);
  };
  const asTupleItems = (v: PyValue, what: string): readonly PyValue[] => {
    if (v instanceof PyTuple) return v.items;
    if (Array.isArray(v)) return v;
    throw malformed(`${what} is ${describePyValue(v)}, not a tuple`);
  };
  const setItems = (target: PyValue, items: PyValue[]): void => {
    if (!(target instanceof PyDict)) throw malformed(`SETITEMS on ${describePyValue(target)}, which is not a dict`);
    if (items.length % 2) throw malformed('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const appendItems = (target: PyValue, items: PyValue[]): void => {
    if (!Array.isArray(target)) throw malformed(`APPEND on ${describePyValue(target)}, which is not a list`);
    for (const item of items) target.push(item);
  };
  const decodeLong = (bytes: Uint8Array): number | bigint => {
    if (bytes.length === 0) return 0;
    if (bytes.length <= 6) {
      let v = 0;
      for (let i = bytes.length - 1; i >= 0; i--) v = v * 256 + bytes[i];
      if (bytes[bytes.length - 1] & 0x80) v -= 2 ** (8 * bytes.length);
      return v;
    }
    if (bytes.length > 1024) throw refused(`the pickle holds a ${bytes.length}-byte integer`);
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
    return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  };
  const parseIntText = (s: string): number | bigint => {
    const t = s.trim().replace(/[lL]$/, '');
    if (!/^[+-]?\d+$/.test(t) || t.length > 400) throw malformed(`bad integer literal ${JSON.stringify(s.slice(0, 40))}`);
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : BigInt(t);
  };
  const parseQuoted = (s: string): Uint8Array => {
    const q = s[0];
    if ((q !== "'" && q !== '"') || s[s.length - 1] !== q || s.length < 2) throw malformed('bad STRING literal');
    const body = s.slice(1, -1);
    const out: number[] = [];
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c !== '\\') { out.push(c.charCodeAt(0) & 0xff); continue; }
      const e = body[++i];
      const simple: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34, '0': 0 };
      if (e in simple) out.push(simple[e]);
      else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) { out.push(parseInt(body.slice(i + 1, i + 3), 16)); i += 2; }
      else throw malformed('unsupported escape in a STRING literal');
    }
    return Uint8Array.from(out);
  };
  const unicodeEscaped = (s: string): string =>
    s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})|\\x([0-9a-fA-F]{2})|\\\\|\\n|\\r/g, (m, a, b, c) => {
      if (a || c) return String.fromCharCode(parseInt(a ?? c, 16));
      if (b) return String.fromCodePoint(parseInt(b, 16));
      return m === '\\\\' ? '\\' : m === '\\n' ? '\n' : '\r';
    });

  try {
    for (;;) {
      const op = u8();
      switch (op) {
        case 0x80: { // PROTO
          const proto = u8();
          if (proto > 5) throw malformed(`pickle protocol ${proto} is newer than 5`);
          break;
        }
        case 0x95: u64(); break; // FRAME: framing is only a hint for buffered readers
        case 0x2e: throw new StopSignal(); // STOP
        case 0x28: // MARK
          if (marks.length >= MAX_MARKS) throw refused(`the pickle nests more than ${MAX_MARKS} marks`);
          marks.push(stack);
          stack = [];
          break;
        case 0x30: pop(); break; // POP
        case 0x31: popMark(); break; // POP_MARK
        case 0x32: push(top()); break; // DUP
        case 0x4e: push(null); break; // NONE
        case 0x88: push(true); break; // NEWTRUE
        case 0x89: push(false); break; // NEWFALSE
        case 0x49: { // INT (text); I01/I00 are protocol-0 booleans
          const s = line();
          push(s === '01' ? true : s === '00' ? false : parseIntText(s));
          break;
        }
        case 0x4a: push(i32()); break; // BININT
        case 0x4b: push(u8()); break; // BININT1
        case 0x4d: push(u16()); break; // BININT2
        case 0x4c: push(parseIntText(line())); break; // LONG (text)
        case 0x8a: push(decodeLong(take(u8()))); break; // LONG1
        case 0x8b: { // LONG4
          const n = i32();
          if (n < 0) throw malformed('negative LONG4 length');
          push(decodeLong(take(n)));
          break;
        }
        case 0x46: { // FLOAT (text)
          const s = line().trim();
          const v = Number(s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s);
          if (Number.isNaN(v) && s !== 'nan') throw malformed(`bad float literal ${JSON.stringify(s.slice(0, 40))}`);
          push(v);
          break;
        }
        case 0x47: { need(8); push(view.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT (big-endian)
        case 0x53: push(latin1.decode(parseQuoted(line().trim()))); break; // STRING (protocol 0 str: Python 2 text)
        case 0x54: { const n = i32(); if (n < 0) throw malformed('negative BINSTRING length'); push(latin1.decode(take(n))); break; } // BINSTRING
        case 0x55: push(latin1.decode(take(u8()))); break; // SHORT_BINSTRING
        case 0x56: push(unicodeEscaped(line())); break; // UNICODE (raw-unicode-escape)
        case 0x58: push(text(take(u32()))); break; // BINUNICODE
        case 0x8c: push(text(take(u8()))); break; // SHORT_BINUNICODE
        case 0x8d: push(text(take(u64()))); break; // BINUNICODE8
        case 0x42: push(take(u32()).slice()); break; // BINBYTES
        case 0x43: push(take(u8()).slice()); break; // SHORT_BINBYTES
        case 0x8e: push(take(u64()).slice()); break; // BINBYTES8
        case 0x96: push(take(u64()).slice()); break; // BYTEARRAY8
        case 0x5d: push([]); break; // EMPTY_LIST
        case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
        case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
        case 0x6c: { const items = popMark(); push(items); break; } // LIST
        case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
        case 0x74: { const items = popMark(); push(new PyTuple(items)); break; } // TUPLE
        case 0x85: { const a = pop(); push(new PyTuple([a])); break; } // TUPLE1
        case 0x86: { const b = pop(); const a = pop(); push(new PyTuple([a, b])); break; } // TUPLE2
        case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(new PyTuple([a, b, c])); break; } // TUPLE3
        case 0x7d: push(new PyDict()); break; // EMPTY_DICT
        case 0x64: { const items = popMark(); const d = new PyDict(); setItems(d, items); push(d); break; } // DICT
        case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
        case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
        case 0x8f: push(new PySet()); break; // EMPTY_SET
        case 0x90: { // ADDITEMS
          const items = popMark();
          const target = top();
          if (!(target instanceof PySet)) throw malformed(`ADDITEMS on ${describePyValue(target)}, which is not a set`);
          for (const item of items) target.items.push(item); // not push(...items): a million arguments overflow the stack
          break;
        }
        case 0x91: push(new PySet(popMark())); break; // FROZENSET
        case 0x67: push(memoGet(parseIntText(line()) as number)); break; // GET
        case 0x68: push(memoGet(u8())); break; // BINGET
        case 0x6a: push(memoGet(u32())); break; // LONG_BINGET
        case 0x70: memoPut(parseIntText(line()) as number, top()); break; // PUT
        case 0x71: memoPut(u8(), top()); break; // BINPUT
        case 0x72: memoPut(u32(), top()); break; // LONG_BINPUT
        case 0x94: memoPut(memo.size, top()); break; // MEMOIZE
        case 0x63: { // GLOBAL module\nname\n
          const module = line();
          const name = line();
          push(lookupGlobal(module, name));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = pop();
          const module = pop();
          if (typeof module !== 'string' || typeof name !== 'string') throw malformed('STACK_GLOBAL with names that are not strings');
          push(lookupGlobal(module, name));
          break;
        }
        case 0x52: { // REDUCE
          const args = pop();
          const callable = pop();
          push(callGlobal(callable, asTupleItems(args, 'REDUCE arguments'), 'REDUCE'));
          break;
        }
        case 0x81: { // NEWOBJ: cls.__new__(cls, *args) — only for classes whose handler builds them
          const args = pop();
          const cls = pop();
          push(callGlobal(cls, asTupleItems(args, 'NEWOBJ arguments'), 'NEWOBJ'));
          break;
        }
        case 0x92: { // NEWOBJ_EX
          const kwargs = pop();
          const args = pop();
          const cls = pop();
          if (!(kwargs instanceof PyDict) || kwargs.size > 0) throw refused('the pickle builds an object with keyword arguments (NEWOBJ_EX)');
          push(callGlobal(cls, asTupleItems(args, 'NEWOBJ_EX arguments'), 'NEWOBJ_EX'));
          break;
        }
        case 0x62: { // BUILD: obj.__setstate__(state). Plain data has no behaviour, so the state is dropped.
          pop();
          top();
          break;
        }
        case 0x69: { // INST module\nname\n: class instantiation
          const module = line();
          const name = line();
          lookupGlobal(module, name);
          throw refused(`the pickle instantiates '${module}.${name}' with the INST opcode`);
        }
        case 0x50: case 0x51: { // PERSID / BINPERSID
          const pid = op === 0x50 ? line() : pop();
          if (!options.persistentLoad) throw refused('the pickle refers to external (persistent) objects that this file cannot hold');
          push(options.persistentLoad(pid));
          break;
        }
        default: {
          const name = OPCODE_NAMES[op];
          if (name) throw refused(`the pickle uses the ${name} opcode, which only serves to run code or fetch external objects`);
          throw malformed(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
        }
      }
    }
  } catch (e) {
    if (!(e instanceof StopSignal)) throw e;
  }
  if (marks.length) throw malformed('STOP inside an unclosed MARK');
  if (stack.length !== 1) throw malformed(`STOP with ${stack.length} values on the stack (expected 1)`);
  return { value: stack[0], end: pos };
}

/** Depth limit of `walkPickle`: far deeper than any real state dict nests. */
export const MAX_WALK_DEPTH = 200;

/**
 * Visits every value reachable from `root` once (cycles and shared objects are visited once),
 * with the key path that led to it. `visit` returns false to stop descending into a value.
 * Throws EmbdiagError 'pickle-refused' when containers nest deeper than MAX_WALK_DEPTH.
 */
export function walkPickle(root: PyValue, label: string, visit: (value: PyValue, path: string[]) => boolean): void {
  const seen = new Set<object>();
  const stack: { value: PyValue; path: string[] }[] = [{ value: root, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (path.length > MAX_WALK_DEPTH) {
      throw new EmbdiagError('pickle-refused', `${label}: containers nest more than ${MAX_WALK_DEPTH} levels deep.`, 'Save a flat dict of tensors.');
    }
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) continue;
      seen.add(value);
    }
    if (!visit(value, path)) continue;
    const children: { value: PyValue; path: string[] }[] = [];
    if (Array.isArray(value)) value.forEach((v, i) => children.push({ value: v, path: [...path, String(i)] }));
    else if (value instanceof PyTuple) value.items.forEach((v, i) => children.push({ value: v, path: [...path, String(i)] }));
    else if (value instanceof PyDict) {
      for (const [k, v] of value.items()) children.push({ value: v, path: [...path, typeof k === 'string' || typeof k === 'number' ? String(k) : describePyValue(k)] });
    }
    // Depth-first in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}
