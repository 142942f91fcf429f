import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, assertAllClose } from './support';
import { ByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { EmbdiagError } from '../../src/core/errors';
import type { DumpFile } from '../../src/core/formats/dumpFile';
import { openDump } from '../../src/core/formats/openDump';
import { openDumpSource } from '../../src/core/formats/openDumpFile';

/** Shared by the formats.*.test.ts files: fixtures written by test/fixtures/make_fixtures.py. */
export const FORMAT_FIXTURES = path.join(FIXTURES, 'formats');

type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export interface ExpectedArray {
  name: string;
  dtype: string;
  shape: number[];
  analysable: boolean;
  rows?: number;
  dim?: number;
  data?: JsonNumber[];
  stats?: { rowsFinite: number; mean: number[] | null; health: { nanRows: number; infRows: number; zeroRows: number } };
}

export interface Expected {
  file: string;
  format?: string;
  array?: string;
  arrays?: ExpectedArray[];
  error?: string;
  findings?: { code: string; severity: string }[];
  refusedArrays?: Record<string, string>;
  line?: number;
  [key: string]: unknown;
}

export function decodeNumbers(values: JsonNumber[]): number[] {
  return values.map(v => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
}

/** The *.expected.json files of a fixture folder (recursively), as paths relative to FORMAT_FIXTURES. */
export function expectedFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(FORMAT_FIXTURES, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.expected.json')) out.push(child.slice(0, -'.expected.json'.length));
    }
  };
  walk(folder);
  return out.sort();
}

export function loadExpected(rel: string): Expected {
  return JSON.parse(fs.readFileSync(path.join(FORMAT_FIXTURES, rel + '.expected.json'), 'utf8')) as Expected;
}

/** Opens a fixture as the extension would: the file (or a Zarr store's folder) plus sibling lookup. */
export async function withDump<T>(rel: string, fn: (dump: DumpFile, source: ByteSource) => Promise<T>): Promise<T> {
  const file = path.join(FORMAT_FIXTURES, rel);
  const source = await openDumpSource(file);
  try {
    const dump = await openDump(source, {
      fileName: file,
      openSibling: async name => {
        const sibling = path.join(path.dirname(file), name);
        return fs.existsSync(sibling) ? FileByteSource.open(sibling) : undefined;
      },
    });
    return await fn(dump, source);
  } finally {
    await source.close();
  }
}

/** Exact equality, NaN equal to NaN and -0 distinct from 0 (numpy's float64 conversion is exact). */
export function assertExactly(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}[${i}]: expected ${expected[i]}, got ${actual[i]}`);
  }
}

/** Opens a fixture and checks everything its expected JSON says. */
export async function checkFixture(rel: string): Promise<void> {
  const expected = loadExpected(rel);
  await withDump(rel, async dump => {
    assert.equal(dump.format, expected.format);
    assert.deepEqual(dump.arrays.map(a => ({ name: a.name, dtype: a.dtype, shape: a.shape, analysable: a.analysable })),
      expected.arrays!.map(a => ({ name: a.name, dtype: a.dtype, shape: a.shape, analysable: a.analysable })));
    if (expected.arrays!.find(a => a.name === expected.array)?.analysable) {
      assert.equal((await dump.open()).name, expected.array, 'chosen array');
    } else {
      await assert.rejects(dump.open(), EmbdiagError, 'nothing analysable to choose');
    }
    for (const want of expected.arrays!) {
      if (!want.analysable) {
        await assert.rejects(dump.open(want.name), EmbdiagError);
        continue;
      }
      const matrix = await dump.open(want.name);
      assert.equal(matrix.dtype, want.dtype);
      assert.deepEqual([...matrix.shape], want.shape);
      assert.equal(matrix.rows, want.rows, `${want.name} rows`);
      assert.equal(matrix.dim, want.dim, `${want.name} dim`);
      if (!want.data) continue;
      const data = decodeNumbers(want.data);
      assertExactly(await matrix.readRows(0, matrix.rows), data, `${rel}:${want.name}`);
      // The same rows read in two uneven blocks.
      if (matrix.rows >= 2) {
        const cut = Math.floor(matrix.rows / 3) || 1;
        const head = await matrix.readRows(0, cut);
        const tail = await matrix.readRows(cut, matrix.rows - cut);
        assertExactly([...head, ...tail], data, `${rel}:${want.name} in blocks`);
      }
      if (want.stats?.mean) assertAllClose(finiteMean(data, want.dim!), want.stats.mean, 1e-12, `${rel}:${want.name} mean`);
    }
    if (expected.findings) assert.deepEqual(dump.findings.map(f => ({ code: f.code, severity: f.severity })), expected.findings);
  });
}

/** Mean over the rows without NaN/Inf: a cross-check that the data we read is what numpy's statistics saw. */
export function finiteMean(data: number[], dim: number): number[] {
  const sum = new Array<number>(dim).fill(0);
  let n = 0;
  for (let r = 0; r * dim < data.length; r++) {
    const row = data.slice(r * dim, (r + 1) * dim);
    if (!row.every(Number.isFinite)) continue;
    row.forEach((v, j) => { sum[j] += v; });
    n++;
  }
  return sum.map(s => s / n);
}

/** Asserts that opening and fully reading a dump fails with `code` and a message naming the file. */
export async function assertRefused(open: () => Promise<DumpFile>, code: string, fileName: string, arrayName?: string): Promise<EmbdiagError> {
  let caught: unknown;
  try {
    const dump = await open();
    const matrix = await dump.open(arrayName);
    await matrix.readRows(0, matrix.rows);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof EmbdiagError, `expected an EmbdiagError ${code}, got ${caught instanceof Error ? caught.stack : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(caught.message.includes(fileName), `message should name ${fileName}: ${caught.message}`);
  return caught;
}

/** A ByteSource wrapper counting what is read through it. */
export class CountingSource implements ByteSource {
  bytesRead = 0;
  reads = 0;
  /** Every read as [offset, offset + length). */
  readonly ranges: [number, number][] = [];
  constructor(private readonly inner: ByteSource) {}
  get name(): string { return this.inner.name; }
  get size(): number { return this.inner.size; }
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads++;
    this.bytesRead += length;
    this.ranges.push([offset, offset + length]);
    return this.inner.read(offset, length);
  }
  close(): Promise<void> { return this.inner.close(); }
}

/**
 * The tests every fixture folder gets: each fixture with an expected JSON reads as its writer wrote
 * it (checkFixture), and each refusal fails with the expected code, naming the file (and the words
 * its JSON lists under `mentions`). Returns the two lists for the folder's own tests.
 */
export function testFixtureFolder(folder: string, label: string, writer: string): { readable: string[]; refusals: string[] } {
  const fixtures = expectedFiles(folder);
  const readable = fixtures.filter(rel => !loadExpected(rel).error);
  const refusals = fixtures.filter(rel => loadExpected(rel).error);
  for (const rel of readable) {
    test(`${label} fixture ${rel} reads as ${writer} wrote it`, () => checkFixture(rel));
  }
  for (const rel of refusals) {
    const expected = loadExpected(rel);
    test(`${label} refusal ${rel}: ${expected.error}`, async () => {
      const file = path.join(FORMAT_FIXTURES, rel);
      const source = await openDumpSource(file);
      try {
        const error = await assertRefused(() => openDump(source, { fileName: file }), expected.error!, file);
        for (const word of (expected.mentions as string[] | undefined) ?? []) assert.ok(error.message.includes(word), `'${word}' in: ${error.message}`);
      } finally {
        await source.close();
      }
    });
  }
  return { readable, refusals };
}
