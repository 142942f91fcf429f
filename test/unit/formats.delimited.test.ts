import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteSource, MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { parseCell } from '../../src/core/formats/delimited';
import { assertExactly, checkFixture, expectedFiles, withDump } from './formats.helpers';

for (const rel of [...expectedFiles('tsv'), ...expectedFiles('csv')]) {
  test(`text fixture ${rel} reads as numpy wrote it`, () => checkFixture(rel));
}

const text = (s: string, name: string) => new MemoryByteSource(new TextEncoder().encode(s), name);

async function open(content: string, fileName: string, siblings: Record<string, string> = {}) {
  return openDump(text(content, fileName), {
    fileName,
    openSibling: async (name: string): Promise<ByteSource | undefined> => (name in siblings ? text(siblings[name], name) : undefined),
  });
}

test('tsv: a metadata.tsv with another row count is a warning; a matching one is a note', async () => {
  await withDump('tsv/mismatch/tensors.tsv', async dump => {
    assert.equal(dump.findings.length, 1);
    assert.equal(dump.findings[0].code, 'metadata-mismatch');
    assert.match(dump.findings[0].message, /12 label rows/);
    assert.match(dump.findings[0].message, /10 vectors/);
  });
  await withDump('tsv/match/tensors.tsv', async dump => {
    assert.deepEqual(dump.findings, []);
    assert.ok(dump.notes.some(n => /12 labels/.test(n)));
  });
});

test('tsv: metadata with a header row counts rows after it', async () => {
  const dump = await open('1\t2\n3\t4\n', 'tensors.tsv', { 'metadata.tsv': 'word\tfreq\na\t1\nb\t2' });
  assert.deepEqual(dump.findings, []);
  const mismatch = await open('1\t2\n3\t4\n', 'tensors.tsv', { 'metadata.tsv': 'a\nb\nc\n' });
  assert.equal(mismatch.findings[0]?.severity, 'warning');
});

test('csv: header detection, CRLF, BOM, trailing blank lines, nan/inf', async () => {
  const dump = await open('\ufeffa,b\r\n1,2\r\n-3.5e2, nan\r\ninf,-inf\r\n\r\n\n', 'x.csv');
  const m = await dump.open();
  assert.equal(m.rows, 3);
  assert.equal(m.dim, 2);
  assert.ok(dump.notes.some(n => n.includes('Header row: a, b')));
  assertExactly(await m.readRows(0, 3), [1, 2, -350, NaN, Infinity, -Infinity], 'csv values');
  assertExactly(await m.readRows(2, 1), [Infinity, -Infinity], 'last row');
  const noHeader = await (await open('1,2\n3,4', 'y.csv')).open();
  assertExactly(await noHeader.readRows(0, 2), [1, 2, 3, 4], 'no header, no final newline');
});

test('text: ragged rows, blank lines in the middle and bad cells name the line', async () => {
  const cases: [string, string, RegExp][] = [
    ['1,2\n3\n', 'r.csv', /line 2/],
    ['1\t2\n\n3\t4\n', 'b.tsv', /line 2 is empty/],
    ['1,2\n3,x\n', 'c.csv', /line 2, column 2/],
    ['a,b\n1,2\n3,\n', 'e.csv', /line 3, column 2/],
    ['w\t1\n', 'h.tsv', /line 1/],
    ['', 'empty.tsv', /no data rows/],
  ];
  for (const [content, name, pattern] of cases) {
    await assert.rejects(async () => {
      const m = await (await open(content, name)).open();
      await m.readRows(0, m.rows);
    }, (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-text' && pattern.test(e.message) && e.message.includes(name), name);
  }
});

test('text: rows spanning the 1 MiB indexing chunks are indexed correctly', async () => {
  const rows: string[] = [];
  for (let r = 0; r < 30000; r++) rows.push(Array.from({ length: 8 }, (_, c) => ((r * 31 + c * 7) % 1000) / 8).join('\t'));
  const m = await (await open(rows.join('\n') + '\n', 'big.tsv')).open();
  assert.equal(m.rows, 30000);
  for (const r of [0, 1, 12345, 29999]) {
    assertExactly(await m.readRows(r, 1), rows[r].split('\t').map(Number), `row ${r}`);
  }
  assert.equal((await m.readRows(0, 30000)).length, 30000 * 8);
});

test('parseCell accepts what numpy.savetxt writes and nothing else', () => {
  assert.equal(parseCell(' 1.5e-3 '), 0.0015);
  assert.equal(parseCell('"2"'), 2);
  assert.ok(Number.isNaN(parseCell('nan')!));
  assert.equal(parseCell('-inf'), -Infinity);
  assert.equal(parseCell('Infinity'), Infinity);
  assert.equal(parseCell(''), undefined);
  assert.equal(parseCell('abc'), undefined);
});
