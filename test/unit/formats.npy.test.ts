import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { EmbdiagError } from '../../src/core/errors';
import { PyLiteralError, parseNpyHeader, parsePyLiteral } from '../../src/core/formats/npy';
import { bfloat16ToNumber, decodeMinifloat, float16ToNumber, numpyDType } from '../../src/core/formats/dtype';
import { openDump } from '../../src/core/formats/openDump';
import { CountingSource, assertExactly, checkFixture, decodeNumbers, expectedFiles, loadExpected, withDump } from './formats.helpers';

for (const rel of expectedFiles('npy')) {
  test(`npy fixture ${rel} reads as numpy wrote it`, () => checkFixture(rel));
}

/** An .npy file in memory with the given header dict text (padded like numpy) and data. */
function npyBytes(dict: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const raw = new TextEncoder().encode(dict);
  const headerLength = Math.ceil((prefix + raw.length + 1) / 64) * 64 - prefix;
  const out = new Uint8Array(prefix + headerLength + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLength, true); else view.setUint32(8, headerLength, true);
  out.fill(0x20, prefix, prefix + headerLength - 1);
  out.set(raw, prefix);
  out[prefix + headerLength - 1] = 0x0a;
  out.set(data, prefix + headerLength);
  return out;
}

function f4(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

test('python literal parser: spacing, trailing commas, tuples, booleans, None, strings', () => {
  const v = parsePyLiteral(" { 'descr' : '<f4' ,\n'fortran_order':True, 'shape':( 3 , ) , 'e': (), 'n': None, \"q\": 'a\\'b', } ");
  assert.ok(v instanceof Map);
  assert.equal(v.get('descr'), '<f4');
  assert.equal(v.get('fortran_order'), true);
  assert.deepEqual(v.get('shape'), [3]);
  assert.deepEqual(v.get('e'), []);
  assert.equal(v.get('n'), null);
  assert.equal(v.get('q'), "a'b");
  assert.deepEqual(parsePyLiteral('(2, 3L, -4)'), [2, 3, -4]); // Python 2 longs
  assert.deepEqual(parsePyLiteral("[('x', '<f4', (3,)), ('id', '<i8')]"), [['x', '<f4', [3]], ['id', '<i8']]);
  assert.equal(parsePyLiteral('False'), false);
  assert.equal(parsePyLiteral("u'\\u00e9'"), 'é');
  assert.equal(parsePyLiteral('1.5e3'), 1500);
});

test('python literal parser refuses what is not a literal', () => {
  for (const bad of ["{'a': 1", "{'a' 1}", "__import__('os')", "{'a': 1} x", "{1: 2}", "'open", '(1,,)', '[' .repeat(100) + ']'.repeat(100)]) {
    assert.throws(() => parsePyLiteral(bad), PyLiteralError, bad);
  }
});

test('npy header: extra keys ignored, Python 2 longs, () shape is a scalar', async () => {
  const h = await parseNpyHeader(new MemoryByteSource(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), 'extra': 1}", f4([1, 2, 3, 4, 5, 6])), 'mem.npy'));
  assert.deepEqual(h.shape, [2, 3]);
  assert.equal(h.elementCount, 6);
  const dump = await openDump(new MemoryByteSource(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': ()}", new Uint8Array(8)), 'scalar.npy'), { fileName: 'scalar.npy' });
  assert.equal(dump.arrays[0].analysable, false);
  await assert.rejects(dump.open(), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape' && e.message.includes('scalar.npy'));
});

test('npy header: version 2 header and data round trip in memory', async () => {
  const source = new MemoryByteSource(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f4([1, 4, 2, 5, 3, 6]), 2), 'v2.npy');
  const matrix = await (await openDump(source, { fileName: 'v2.npy' })).open();
  assertExactly(await matrix.readRows(0, 2), [1, 2, 3, 4, 5, 6], 'fortran rows');
  assertExactly(await matrix.readRows(1, 1), [4, 5, 6], 'fortran row 1');
});

test('npy header problems are bad-header / truncated errors naming the file', async () => {
  const cases: [Uint8Array, string][] = [
    [npyBytes("{'descr': '<f4', 'shape': (2,)}"), 'bad-header'],
    [npyBytes("{'descr': '<f4', 'fortran_order': 'no', 'shape': (2,)}"), 'bad-header'],
    [npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}"), 'bad-header'],
    [npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999)}"), 'bad-header'],
    [npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4([1, 2, 3])), 'bad-header'],
    [npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", f4([1, 2, 3])), 'truncated'],
    [npyBytes("['not', 'a', 'dict']"), 'bad-header'],
    [npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4([1, 2]), 7), 'bad-header'],
  ];
  for (const [bytes, code] of cases) {
    await assert.rejects(async () => {
      const dump = await openDump(new MemoryByteSource(bytes, 'bad.npy'), { fileName: 'bad.npy' });
      await (await dump.open()).readRows(0, 1);
    }, (e: unknown) => e instanceof EmbdiagError && e.code === code && e.message.includes('bad.npy'));
  }
  // A header length running past the end of the file.
  const lying = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4([1, 2]));
  new DataView(lying.buffer).setUint16(8, 60000, true);
  await assert.rejects(openDump(new MemoryByteSource(lying, 'long.npy'), { fileName: 'long.npy' }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'truncated' && e.message.includes('long.npy'));
});

test('numpy dtype descriptors map to our names and refusals say why', () => {
  const ok = (d: string) => { const r = numpyDType(d); assert.ok(r.ok, d); return r.dtype; };
  assert.equal(ok('<f4').name, 'float32');
  assert.equal(ok('>i8').littleEndian, false);
  assert.equal(ok('|u1').name, 'uint8');
  assert.equal(ok('|b1').name, 'bool');
  assert.equal(ok('<f2').name, 'float16');
  const refused = (d: unknown, code: string) => { const r = numpyDType(d); assert.ok(!r.ok, String(d)); assert.equal(r.refused.code, code); return r.refused; };
  assert.match(refused('|O', 'pickle-refused').reason, /pickled Python objects are never loaded/);
  refused('<c8', 'unsupported-dtype');
  refused('<c16', 'unsupported-dtype');
  refused('|S5', 'unsupported-dtype');
  refused('<U3', 'unsupported-dtype');
  refused('<M8[D]', 'unsupported-dtype');
  refused('|V8', 'unsupported-dtype');
  refused('<f16', 'unsupported-dtype');
  assert.equal(refused([['a', '<f4']], 'unsupported-dtype').name, 'structured');
});

test('float16 and bfloat16 decode exactly, subnormals and specials included', () => {
  assert.equal(float16ToNumber(0x3c00), 1);
  assert.equal(float16ToNumber(0x7bff), 65504);
  assert.equal(float16ToNumber(0x0001), 2 ** -24);
  assert.equal(float16ToNumber(0x03ff), 1023 * 2 ** -24);
  assert.equal(float16ToNumber(0x0400), 2 ** -14);
  assert.equal(float16ToNumber(0xc000), -2);
  assert.ok(Object.is(float16ToNumber(0x8000), -0));
  assert.equal(float16ToNumber(0x7c00), Infinity);
  assert.equal(float16ToNumber(0xfc00), -Infinity);
  assert.ok(Number.isNaN(float16ToNumber(0x7e00)));
  assert.equal(float16ToNumber(0x3555), 0.333251953125);
  assert.equal(bfloat16ToNumber(0x3f80), 1);
  assert.equal(bfloat16ToNumber(0xc040), -3);
  assert.equal(bfloat16ToNumber(0x0001), 2 ** -133);
  assert.equal(bfloat16ToNumber(0x7f80), Infinity);
  assert.ok(Number.isNaN(bfloat16ToNumber(0x7fc0)));
  // Every float16 value agrees with Math.fround of the same value (float16 ⊂ float32).
  for (let bits = 0; bits < 65536; bits++) {
    const v = float16ToNumber(bits);
    if (!Number.isNaN(v)) assert.equal(Math.fround(v), v);
  }
  assert.equal(decodeMinifloat(0x7b, 5, 2), 57344);
});

test('every dtype fixture in both byte orders decodes to the same numbers as numpy', () => {
  for (const code of ['f2', 'f4', 'f8', 'i2', 'i4', 'i8', 'u2', 'u4', 'u8']) {
    for (const order of ['le', 'be']) {
      const e = loadExpected(`npy/${code}_${order}.npy`);
      assert.equal(e.arrays![0].data!.length, 24, `${code}_${order}`);
    }
  }
});

test('Fortran-ordered arrays: any row range matches numpy (2-D and 3-D)', async () => {
  for (const rel of ['npy/fortran_f8.npy', 'npy/fortran_3d_be_f4.npy']) {
    const e = loadExpected(rel).arrays![0];
    const data = decodeNumbers(e.data!);
    await withDump(rel, async dump => {
      const m = await dump.open();
      assert.ok(m.notes.some(n => /Fortran/.test(n)));
      for (let start = 0; start < m.rows; start++) {
        for (const count of [1, 2, m.rows - start]) {
          if (start + count > m.rows) continue;
          assertExactly(await m.readRows(start, count), data.slice(start * m.dim, (start + count) * m.dim), `${rel} [${start}, +${count})`);
        }
      }
    });
  }
});

test('N-D arrays are flattened to (prod leading) x last with a note; 1-D is one row', async () => {
  await withDump('npy/c_3d.npy', async dump => {
    const m = await dump.open();
    assert.equal(m.rows, 6);
    assert.equal(m.dim, 4);
    assert.ok(m.notes.some(n => /flattened/.test(n)));
  });
  await withDump('npy/vec_1d.npy', async dump => {
    const m = await dump.open();
    assert.equal(m.rows, 1);
    assert.equal(m.dim, 10);
  });
  await withDump('npy/empty.npy', async dump => {
    const m = await dump.open();
    assert.equal(m.rows, 0);
    assert.equal((await m.readRows(0, 0)).length, 0);
  });
});

test('readRows checks its range', async () => {
  await withDump('npy/f4_le.npy', async dump => {
    const m = await dump.open();
    for (const [s, c] of [[-1, 1], [0, 7], [6, 1], [1.5, 1]]) {
      await assert.rejects(m.readRows(s, c), (e: unknown) => e instanceof EmbdiagError && e.code === 'invalid-range');
    }
  });
});

test('opening a large .npy and reading one row reads a tiny part of it', async () => {
  const rows = 20000;
  const dim = 256;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-npy-'));
  const file = path.join(dir, 'big.npy');
  try {
    const data = new Float32Array(rows * dim);
    for (let i = 0; i < data.length; i++) data[i] = (i % 977) - 400;
    fs.writeFileSync(file, npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`, new Uint8Array(data.buffer)));
    const inner = await FileByteSource.open(file);
    const counting = new CountingSource(inner);
    try {
      const dump = await openDump(counting, { fileName: file });
      const m = await dump.open();
      const row = await m.readRows(12345, 1);
      assertExactly(row, data.subarray(12345 * dim, 12346 * dim), 'row 12345');
      assert.ok(counting.bytesRead < 8192, `read ${counting.bytesRead} of ${counting.size} bytes`);
      // A block of rows is one ranged read, not one per row.
      const before = counting.reads;
      await m.readRows(100, 500);
      assert.equal(counting.reads - before, 1);
    } finally {
      await counting.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
