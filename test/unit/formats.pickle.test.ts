import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { EmbdiagError } from '../../src/core/errors';
import { AllowedGlobal, PyDict, PyGlobal, PySet, PyTuple, PyValue, UnpickleOptions, unpickle, walkPickle } from '../../src/core/formats/pickle';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { readZipDirectory } from '../../src/core/formats/zip';
import { openDump } from '../../src/core/formats/openDump';
import { FORMAT_FIXTURES } from './formats.helpers';

/** Pickle bytes from pieces: strings are latin-1 text, numbers single bytes. */
function bytes(...parts: (string | number | Uint8Array | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0) & 0xff);
    else if (typeof p === 'number') out.push(p);
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const sbu = (s: string) => bytes(0x8c, new TextEncoder().encode(s).length, new TextEncoder().encode(s));

const calls: string[] = [];
const GLOBALS = new Map<string, AllowedGlobal>([
  ['collections.OrderedDict', { call: () => new PyDict('OrderedDict') }],
  ['demo.make', { call: args => { calls.push('demo.make'); return new PyTuple(['made', ...args]); } }],
  ['demo.value', {}],
]);
const OPTIONS: UnpickleOptions = { label: 'test.pkl', globals: GLOBALS };

function load(data: Uint8Array, options: UnpickleOptions = OPTIONS): PyValue {
  const { value, end } = unpickle(data, 0, options);
  assert.equal(end, data.length, 'the whole pickle was consumed');
  return value;
}

function refusal(data: Uint8Array, code: string, pattern?: RegExp, options: UnpickleOptions = OPTIONS): void {
  assert.throws(() => unpickle(data, 0, options), (e: unknown) => {
    assert.ok(e instanceof EmbdiagError, `expected an EmbdiagError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes('test.pkl'), e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test('plain values of protocol 2 (what torch.save writes)', () => {
  // {'a': [1, -2, 300, 70000, 2**40, -(2**70)], 'b': (1.5, 'é', b'\x00\xff', None, True, False)}
  const v = load(bytes(0x80, 2, '}q', 0, '(', sbu('a'), ']', '(K', 1, 'J', u32(-2 >>> 0), 'M', 0x2c, 0x01, 'J', u32(70000),
    0x8a, 6, [0, 0, 0, 0, 0, 1], 0x8a, 9, [0, 0, 0, 0, 0, 0, 0, 0, 0xc0], 'e',
    'X', u32(1), 'b', '(', 'G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], sbu('é'), 'C', 2, [0, 0xff], 'N', 0x88, 0x89, 't', 'u.'));
  assert.ok(v instanceof PyDict);
  assert.deepEqual(v.get('a'), [1, -2, 300, 70000, 2 ** 40, -(2n ** 70n)]);
  const b = v.get('b');
  assert.ok(b instanceof PyTuple);
  assert.deepEqual(b.items, [1.5, 'é', Uint8Array.from([0, 255]), null, true, false]);
});

test('protocol 0 text opcodes, memo, sets and OrderedDict', () => {
  const v = load(bytes('(lp0\nI42\naL-12345678901234567890L\naF2.5\naS\'x\\n\'\naVcaf\\u00e9\nag0\naI01\na',
    'ccollections\nOrderedDict\n)Ra', 0x8f, '(K', 1, 'K', 2, 0x90, 'a.'));
  assert.ok(Array.isArray(v));
  assert.equal(v[0], 42);
  assert.equal(v[1], -12345678901234567890n);
  assert.equal(v[2], 2.5);
  assert.equal(v[3], 'x\n');
  assert.equal(v[4], 'café');
  assert.equal(v[5], v, 'GET returns the memoized list itself (a cycle)');
  assert.equal(v[6], true);
  assert.ok(v[7] instanceof PyDict && v[7].className === 'OrderedDict');
  assert.ok(v[8] instanceof PySet);
  assert.deepEqual(v[8].items, [1, 2]);
});

test('allowed globals build values through their handler; value-only globals cannot be called', () => {
  calls.length = 0;
  const v = load(bytes(0x80, 4, sbu('demo'), sbu('make'), 0x93, sbu('demo'), sbu('value'), 0x93, 0x85, 'R.'));
  assert.ok(v instanceof PyTuple && v.items[0] === 'made' && v.items[1] instanceof PyGlobal);
  assert.deepEqual(calls, ['demo.make']);
  refusal(bytes(0x80, 2, 'cdemo\nvalue\n)R.'), 'pickle-refused', /'demo\.value', which may only appear as a value/);
});

test('globals that are not allowed are refused by name, through every opcode that names one', () => {
  refusal(bytes(0x80, 2, 'cos\nsystem\nX', u32(2), 'ls', 0x85, 'R.'), 'pickle-refused', /'os\.system'/);
  refusal(bytes(0x80, 4, sbu('builtins'), sbu('eval'), 0x93, sbu('1+1'), 0x85, 'R.'), 'pickle-refused', /'builtins\.eval'/);
  refusal(bytes('(S\'ls\'\nios\nsystem\n.'), 'pickle-refused', /'os\.system'/);
  refusal(bytes('(cdemo\nvalue\nS\'x\'\no.'), 'pickle-refused', /OBJ opcode/);
  refusal(bytes(0x80, 2, 0x82, 1, '.'), 'pickle-refused', /EXT1/);
  refusal(bytes(0x80, 5, 0x97, '.'), 'pickle-refused', /NEXT_BUFFER/);
  refusal(bytes(0x80, 2, 'X', u32(1), 'k', 'Q.'), 'pickle-refused', /persistent/);
  // Nothing ran: the refusal happens when the global is named, before any REDUCE.
  refusal(bytes(0x80, 2, 'cposix\nsystem\n.'), 'pickle-refused', /'posix\.system'/);
});

test('malformed and truncated pickles fail cleanly', () => {
  refusal(bytes(0x80, 2, ']q', 0, 'a.'), 'bad-header', /stack underflow/);
  refusal(bytes(0x80, 2, 'h', 3, '.'), 'bad-header', /memo entry 3/);
  refusal(bytes(0x80, 2, 0xff, '.'), 'bad-header', /unknown opcode 0xff/);
  refusal(bytes(0x80, 2, 'N', 'N', '.'), 'bad-header', /2 values on the stack/);
  refusal(bytes(0x80, 2, '(N.'), 'bad-header', /unclosed MARK/);
  refusal(bytes(0x80, 2, ']', '(K', 1), 'truncated');
  refusal(bytes(0x80, 2, 'cos\nsys'), 'truncated');
  // Declared lengths far beyond the input allocate nothing.
  refusal(bytes(0x80, 4, 0x8d, [0, 0, 0, 0, 0, 1, 0, 0], 'x.'), 'truncated');
  refusal(bytes(0x80, 2, 'X', [0xff, 0xff, 0xff, 0x7f], '.'), 'truncated');
  refusal(bytes(0x80, 4, 0x8d, [0, 0, 0, 0, 0, 0, 0x40, 0], '.'), 'bad-header', /beyond 2\^53/);
});

test('hostile shapes: mark floods, deep nesting and cycles are bounded', () => {
  refusal(bytes(0x80, 2, '('.repeat(20_000), '.'), 'pickle-refused', /marks/);
  // 100000 nested lists: building them is iterative; walking them stops at the depth limit.
  const depth = 100_000;
  const nested = load(bytes(0x80, 2, ']'.repeat(depth), 'a'.repeat(depth - 1), '.'));
  assert.throws(() => walkPickle(nested, 'test.pkl', () => true), (e: unknown) => e instanceof EmbdiagError && e.code === 'pickle-refused' && /nest/.test(e.message));
  // A list containing itself: visited once.
  const cyclic = load(bytes(0x80, 2, ']q', 0, 'h', 0, 'a.'));
  let visits = 0;
  walkPickle(cyclic, 'test.pkl', () => { visits++; return true; });
  assert.equal(visits, 1);
});

test('a torch zip whose pickle only holds a cycle has no tensors to offer', async () => {
  const pickle = bytes(0x80, 2, '}q', 0, sbu('self'), 'h', 0, 's.');
  const { makeZip } = await zipWriter();
  const data = makeZip([['archive/data.pkl', pickle]]);
  await assert.rejects(openDump(new MemoryByteSource(data, 'cycle.pt'), { fileName: 'cycle.pt' }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'no-array');
});

/** A tiny stored-zip writer (CRC not checked for stored entries). */
async function zipWriter() {
  const { crc32 } = await import('../../src/core/formats/zip');
  return {
    makeZip(entries: [string, Uint8Array][]): Uint8Array {
      const parts: number[] = [];
      const central: number[] = [];
      const le = (n: number, size: number) => Array.from({ length: size }, (_, i) => Math.floor(n / 256 ** i) & 0xff);
      for (const [name, body] of entries) {
        const offset = parts.length;
        const nameBytes = [...new TextEncoder().encode(name)];
        const crc = crc32(body);
        parts.push(...le(0x04034b50, 4), ...le(20, 2), 0, 0, 0, 0, 0, 0, 0, 0, ...le(crc, 4), ...le(body.length, 4), ...le(body.length, 4), ...le(nameBytes.length, 2), 0, 0, ...nameBytes, ...body);
        central.push(...le(0x02014b50, 4), ...le(20, 2), ...le(20, 2), 0, 0, 0, 0, 0, 0, 0, 0, ...le(crc, 4), ...le(body.length, 4), ...le(body.length, 4),
          ...le(nameBytes.length, 2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...le(offset, 4), ...nameBytes);
      }
      const eocd = [...le(0x06054b50, 4), 0, 0, 0, 0, ...le(entries.length, 2), ...le(entries.length, 2), ...le(central.length, 4), ...le(parts.length, 4), 0, 0];
      return Uint8Array.from([...parts, ...central, ...eocd]);
    },
  };
}

test('fuzz: random bytes and mutated torch pickles never crash or run anything', async () => {
  const opts: UnpickleOptions = { label: 'test.pkl', globals: GLOBALS, persistentLoad: () => null };
  const safely = (data: Uint8Array) => {
    try {
      walkPickle(unpickle(data, 0, opts).value, 'test.pkl', () => true);
    } catch (e) {
      if (!(e instanceof EmbdiagError)) throw e;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), data => safely(bytes(0x80, 2, data))), { numRuns: 2000, seed: 7 });

  // A real state dict whose data.pkl (a stored entry) gets random bytes overwritten, read end to end.
  const file = fs.readFileSync(path.join(FORMAT_FIXTURES, 'pt/state_dict.pt'));
  const entry = (await readZipDirectory(new MemoryByteSource(file))).find(e => e.name.endsWith('data.pkl'))!;
  const local = new DataView(file.buffer, file.byteOffset + entry.localHeaderOffset, 30);
  const dataStart = entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(entry.compressedSize - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), async edits => {
    const copy = Uint8Array.from(file);
    for (const [at, value] of edits) copy[dataStart + at] = value;
    try {
      const dump = await openDump(new MemoryByteSource(copy, 'mutated.pt'), { fileName: 'mutated.pt' });
      for (const info of dump.arrays.filter(a => a.analysable)) {
        const m = await dump.open(info.name);
        await m.readRows(0, Math.min(m.rows, 1000));
      }
    } catch (e) {
      if (!(e instanceof EmbdiagError)) throw e;
    }
}), { numRuns: 500, seed: 11 });
});

test('_rebuild_tensor_v3: an untyped storage read as the given dtype (uint16, as torch 2.3+ saves it)', async () => {
  const pickle = bytes(0x80, 2, 'ctorch._utils\n_rebuild_tensor_v3\n(', '(', sbu('storage'), 'ctorch\nUntypedStorage\n', sbu('0'), sbu('cpu'), 'K', 8, 't', 'Q',
    'K', 0, '(K', 2, 'K', 2, 't(K', 2, 'K', 1, 't', 0x89, 'ccollections\nOrderedDict\n)R', 'ctorch\nuint16\n', 'tR.');
  const storage = Uint8Array.from([1, 0, 2, 0, 3, 0, 0xff, 0xff]);
  const { makeZip } = await zipWriter();
  const dump = await openDump(new MemoryByteSource(makeZip([['w/data.pkl', pickle], ['w/data/0', storage]]), 'u16.pt'), { fileName: 'u16.pt' });
  assert.deepEqual(dump.arrays, [{ name: 'u16', dtype: 'uint16', shape: [2, 2], analysable: true }]);
  const m = await dump.open();
  assert.deepEqual([...await m.readRows(0, 2)], [1, 2, 3, 65535]);
});
