import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { CountingSource, assertExactly, checkFixture, expectedFiles, withDump } from './formats.helpers';

for (const rel of expectedFiles('safetensors')) {
  test(`safetensors fixture ${rel} reads as written`, () => checkFixture(rel));
}

/** A safetensors file in memory: tensors laid out in order after the JSON header. */
function safetensors(tensors: { name: string; dtype: string; shape: number[]; bytes: Uint8Array; offsets?: [number, number] }[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: t.offsets ?? [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new Uint8Array(8);
  new DataView(head.buffer).setUint32(0, json.length, true);
  return Buffer.concat([head, new TextEncoder().encode(json), ...tensors.map(t => t.bytes)]);
}

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

test('safetensors: metadata becomes a note', async () => {
  await withDump('safetensors/basic.safetensors', async dump => {
    assert.ok(dump.notes.some(n => n.includes('format=pt') && n.includes('source=make_fixtures')), dump.notes.join('\n'));
  });
});

test('safetensors: the largest 2-D float tensor is chosen when no preferred name exists', async () => {
  const bytes = safetensors([
    { name: 'counts', dtype: 'I64', shape: [100], bytes: new Uint8Array(800) },
    { name: 'proj.weight', dtype: 'F32', shape: [2, 2], bytes: f32([1, 2, 3, 4]) },
    { name: 'tok', dtype: 'F32', shape: [3, 2], bytes: f32([1, 2, 3, 4, 5, 6]) },
  ]);
  const dump = await openDump(new MemoryByteSource(bytes, 'm.safetensors'), { fileName: 'm.safetensors' });
  const m = await dump.open();
  assert.equal(m.name, 'tok');
  assertExactly(await m.readRows(1, 2), [3, 4, 5, 6], 'tok rows 1..2');
});

test('safetensors: an unsupported dtype is listed but not analysable; opening it says why', async () => {
  const bytes = safetensors([
    { name: 'z', dtype: 'C64', shape: [2], bytes: new Uint8Array(16) },
    { name: 'emb', dtype: 'F32', shape: [1, 2], bytes: f32([1, 2]) },
  ]);
  const dump = await openDump(new MemoryByteSource(bytes, 'c.safetensors'), { fileName: 'c.safetensors' });
  assert.deepEqual(dump.arrays.map(a => [a.name, a.analysable]), [['z', false], ['emb', true]]);
  assert.equal((await dump.open()).name, 'emb');
  await assert.rejects(dump.open('z'), (e: unknown) => e instanceof EmbdiagError && e.code === 'unsupported-dtype' && e.message.includes('c.safetensors'));
});

test('safetensors: header problems are errors naming the file', async () => {
  const base = safetensors([{ name: 'e', dtype: 'F32', shape: [1, 2], bytes: f32([1, 2]) }]);
  const notJson = Uint8Array.from(base);
  notJson[8] = 0x21;
  const cases: [Uint8Array, string][] = [
    [notJson, 'bad-header'],
    [base.subarray(0, 5), 'truncated'],
    [base.subarray(0, base.length - 1), 'truncated'],
    [safetensors([{ name: 'e', dtype: 'F32', shape: [1, 2], bytes: f32([1, 2]), offsets: [4, 2] }]), 'bad-header'],
    [safetensors([{ name: 'e', dtype: 'F32', shape: [-1, 2], bytes: f32([1, 2]) }]), 'bad-header'],
    [safetensors([{ name: 'e', dtype: 'F32', shape: [3, 2], bytes: f32([1, 2]) }]), 'bad-header'],
  ];
  for (const [bytes, code] of cases) {
    await assert.rejects(openDump(new MemoryByteSource(bytes, 'bad.safetensors'), { fileName: 'bad.safetensors' }),
      (e: unknown) => e instanceof EmbdiagError && e.code === code && e.message.includes('bad.safetensors'), code);
  }
});

test('safetensors: opening reads the header, not the tensors', async () => {
  const big = new Uint8Array(4 << 20);
  const bytes = safetensors([{ name: 'embeddings', dtype: 'F32', shape: [4096, 256], bytes: big }]);
  const source = new CountingSource(new MemoryByteSource(bytes, 'big.safetensors'));
  const dump = await openDump(source, { fileName: 'big.safetensors' });
  await (await dump.open()).readRows(4095, 1);
  assert.ok(source.bytesRead < 4096, `read ${source.bytesRead} bytes`);
});
