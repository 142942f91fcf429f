/**
 * Property-based fuzzing of every reader (fast-check, seeded so that failures reproduce).
 *
 * Each case takes a small valid file of one format, applies a few random mutations (bit flips,
 * byte and integer overwrites biased to the header and the footer, truncation, extension,
 * splices, deletions, insertions, and rewrites of the ASCII numbers in JSON/Python/text headers),
 * then opens it through openDump, opens every analysable array and reads all its rows.
 * The property: either the data comes back consistent with the declared shape, or the reader
 * throws an EmbdiagError with a known code and a message naming the file. Never another
 * exception type (nor one the safety net of openDump had to catch), never more than CASE_LIMIT_MS
 * of CPU time per case (CPU, not wall time: a loaded machine must not fail it), never more bytes read than a
 * multiple of the file size, never a value array larger than the file can describe, never an
 * unhandled promise rejection. The restricted unpickler also gets generated opcode programs.
 *
 * Each reader runs in a worker thread with a heap limit, announcing every case before running it:
 * a case stuck in a synchronous loop (which no timer interrupts) or exhausting memory stops the
 * worker, and the test fails naming the case, instead of the whole run hanging or dying.
 *
 * Environment:
 *   FUZZ_RUNS     cases per reader (default: 10,000 for every reader)
 *   FUZZ_SEED     the fast-check seed (default: a fixed one, so the suite is reproducible)
 *   FUZZ_READERS  comma-separated subset of readers (npy,npz,safetensors,vecs,delimited,json,word-vectors,faiss,raw,arrow-stream,torch,pickle,hdf5,parquet,arrow,arrow-compressed,embstats,zarr)
 *   FUZZ_CASE_MS  per-case CPU-time limit (default 2000)
 *   FUZZ_TRACE    a file where each case is described before it runs (to identify a case that kills the process)
 * `npm run fuzz` (scripts/fuzz.mjs) runs the same properties with many more cases and a random seed.
 */
import { test } from 'node:test';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { EmbdiagError } from '../../src/core/errors';
import { isSafetyNetCatch } from '../../src/core/formats/readerSafetyNet';
import { ByteSource, MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { openDump } from '../../src/core/formats/openDump';
import type { RawShape } from '../../src/core/formats/dumpFile';
import { AllowedGlobal, PyDict, PyGlobal, PySet, PyTuple, unpickle, walkPickle } from '../../src/core/formats/pickle';
import { FIXTURES } from './support';
import { readEmbstatsSource } from '../../src/core/dataset/embstatsFile';
import { reportOfPartial } from '../../src/core/dataset/datasetReport';
import { informationOfPartial } from '../../src/core/dataset/datasetInformation';

const HOSTILE = path.join(FIXTURES, 'hostile');

const envInt = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer (got ${raw})`);
  return v;
};
const SEED = envInt('FUZZ_SEED') ?? 20250611;
const RUNS_OVERRIDE = envInt('FUZZ_RUNS');
/** CPU milliseconds (user + system) a case may take. */
const CASE_LIMIT_MS = envInt('FUZZ_CASE_MS') ?? 2000;
/** Wall time after which a case counts as hung: generous, a hang guard rather than a speed limit. */
const CASE_HANG_MS = Math.max(30_000, 15 * CASE_LIMIT_MS);
const cpuMsSince = (since: NodeJS.CpuUsage) => { const d = process.cpuUsage(since); return (d.user + d.system) / 1000; };
const TRACE = process.env.FUZZ_TRACE;
const ONLY = process.env.FUZZ_READERS ? new Set(process.env.FUZZ_READERS.split(',').map(s => s.trim())) : undefined;

const KNOWN_CODES = new Set(['file-missing', 'not-a-file', 'unreadable', 'file-changed', 'unknown-format', 'bad-header', 'truncated',
  'invalid-range', 'unsupported-dtype', 'unsupported-compression', 'unsupported-encryption', 'pickle-refused', 'array-not-found', 'no-array', 'bad-shape', 'bad-text', 'too-large',
  'bad-archive', 'non-finite', 'unsupported-faiss-index', 'raw-needs-shape', 'raw-size-mismatch', 'bad-argument']);

// ---- a ByteSource that counts ---------------------------------------------------------------

class CountingSource implements ByteSource {
  bytesRead = 0;
  reads = 0;
  constructor(private readonly inner: ByteSource) {}
  get name(): string { return this.inner.name; }
  get size(): number { return this.inner.size; }
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads++;
    const bytes = await this.inner.read(offset, length);
    this.bytesRead += bytes.byteLength;
    return bytes;
  }
  close(): Promise<void> { return this.inner.close(); }
}

// ---- mutations --------------------------------------------------------------------------------

type Where = 'head' | 'tail' | 'any';
type Mutation =
  | { kind: 'flip'; where: Where; at: number; bit: number }
  | { kind: 'byte'; where: Where; at: number; value: number }
  | { kind: 'int'; where: Where; at: number; width: 1 | 2 | 4 | 8; value: bigint; littleEndian: boolean }
  | { kind: 'truncate'; where: Where; at: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'copy'; from: number; where: Where; at: number; length: number }
  | { kind: 'delete'; where: Where; at: number; length: number }
  | { kind: 'insert'; where: Where; at: number; bytes: Uint8Array }
  | { kind: 'number'; which: number; text: string };

const where = fc.constantFrom<Where>('head', 'head', 'tail', 'any');
const INTERESTING_INTS = [0n, 1n, 2n, 3n, 4n, 7n, 8n, 15n, 16n, 31n, 64n, 127n, 128n, 255n, 256n, 1023n, 4095n, 65535n, 65536n,
  0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 2n ** 31n + 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n,
  2n ** 62n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n - 2n, 2n ** 64n - 8n, 2n ** 32n - 8n];
const INTERESTING_TEXT = ['0', '1', '-1', '2', '-2', '3.5', '1e309', '-1e309', '1e-320', 'nan', 'NaN', 'inf', '-inf', '', ' ', '1e22',
  '9007199254740991', '9007199254740993', '18446744073709551616', '4294967296', '4294967295', '2147483648', '99999999999999999999999',
  '100000', '65536', '1L', '0x10', '"', "'", ',', '\t', '\n', '[', ']', '{', '}', '(', ')', 'True', 'None', '1,2', '1\t2', '\r\n', '"a,b"'];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), where, at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('byte' as const), where, at: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x09, 0x2c, 0x20, 0x22, 0x7b, 0x5b, 0x28), fc.integer({ min: 0, max: 255 })) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('int' as const), where, at: fc.nat(), width: fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
    value: fc.oneof(fc.constantFrom(...INTERESTING_INTS), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), littleEndian: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), where, at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('copy' as const), from: fc.nat(), where, at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), where, at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), where, at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('number' as const), which: fc.nat(), text: fc.oneof(fc.constantFrom(...INTERESTING_TEXT), fc.integer().map(String)) }) },
);

const HEAD_SPAN = 160;
const TAIL_SPAN = 160;

function position(w: Where, at: number, length: number): number {
  if (length === 0) return 0;
  if (w === 'head') return at % Math.min(length, HEAD_SPAN);
  if (w === 'tail') return Math.max(0, length - 1 - (at % Math.min(length, TAIL_SPAN)));
  return at % length;
}

function apply(input: Uint8Array, m: Mutation): Uint8Array {
  const n = input.length;
  switch (m.kind) {
    case 'flip': { if (!n) return input; const out = input.slice(); out[position(m.where, m.at, n)] ^= 1 << m.bit; return out; }
    case 'byte': { if (!n) return input; const out = input.slice(); out[position(m.where, m.at, n)] = m.value; return out; }
    case 'int': {
      if (n < m.width) return input;
      const out = input.slice();
      const at = Math.min(position(m.where, m.at, n), n - m.width);
      for (let i = 0; i < m.width; i++) {
        const byte = Number((m.value >> BigInt(8 * i)) & 0xffn);
        out[m.littleEndian ? at + i : at + m.width - 1 - i] = byte;
      }
      return out;
    }
    case 'truncate': return input.subarray(0, position(m.where, m.at, n));
    case 'extend': { const out = new Uint8Array(n + m.bytes.length); out.set(input); out.set(m.bytes, n); return out; }
    case 'copy': {
      if (!n) return input;
      const from = m.from % n;
      const chunk = input.slice(from, Math.min(n, from + m.length));
      const out = input.slice();
      const at = position(m.where, m.at, n);
      out.set(chunk.subarray(0, Math.max(0, n - at)), at);
      return out;
    }
    case 'delete': {
      if (!n) return input;
      const at = position(m.where, m.at, n);
      const out = new Uint8Array(n - Math.min(m.length, n - at));
      out.set(input.subarray(0, at));
      out.set(input.subarray(at + m.length), at);
      return out;
    }
    case 'insert': {
      const at = position(m.where, m.at, n);
      const out = new Uint8Array(n + m.bytes.length);
      out.set(input.subarray(0, at));
      out.set(m.bytes, at);
      out.set(input.subarray(at), at + m.bytes.length);
      return out;
    }
    case 'number': {
      // The ASCII numbers (JSON, Python literal, text cells) are where a header states its sizes.
      const runs: [number, number][] = [];
      for (let i = 0; i < n && runs.length < 4096;) {
        if (input[i] >= 0x30 && input[i] <= 0x39) {
          let j = i;
          while (j < n && ((input[j] >= 0x30 && input[j] <= 0x39) || input[j] === 0x2e || input[j] === 0x2d)) j++;
          runs.push([i, j]);
          i = j;
        } else i++;
      }
      if (!runs.length) return input;
      const [a, b] = runs[m.which % runs.length];
      const text = new TextEncoder().encode(m.text);
      const out = new Uint8Array(n - (b - a) + text.length);
      out.set(input.subarray(0, a));
      out.set(text, a);
      out.set(input.subarray(b), a + text.length);
      return out;
    }
  }
}

const describeMutation = (m: Mutation): string => JSON.stringify(m, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes[${Array.from(v).join(',')}]` : v));

// ---- readers and their seeds -------------------------------------------------------------------

interface Seed { name: string; fileName: string; bytes: Uint8Array }

interface ReaderSpec {
  reader: string;
  seeds: string[];
  defaultRuns: number;
  /** HDF5 is read in place by the HDF5 library: cases are written to a temporary file. */
  disk?: boolean;
  /**
   * Most values a file of `size` bytes can legitimately describe, or undefined where the format
   * legitimately describes more than it stores (torch stride-0 views, HDF5 fill values, Parquet RLE):
   * those are read in bounded windows instead of whole.
   */
  maxValues?: (size: number) => number;
  /** Headerless raw seeds: the dtype and dimension the user would give. */
  raw?: RawShape;
}

/** Deflate expands at most 1032:1. */
const DEFLATE_MAX_RATIO = 1032;
/** A zstd block (a 3-byte header and at least 1 byte) decodes to at most 128 KiB. */
const ZSTD_MAX_RATIO = 32768;

const READERS: ReaderSpec[] = [
  { reader: 'npy', defaultRuns: 10_000, maxValues: size => size,
    seeds: ['seeds/f4.npy', 'seeds/f8_fortran.npy', 'seeds/i2_be_3d.npy', 'seeds/v2_u1.npy'] },
  { reader: 'npz', defaultRuns: 10_000, maxValues: size => size * DEFLATE_MAX_RATIO + 1024,
    seeds: ['seeds/stored.npz', 'seeds/deflated.npz', 'seeds/zip64.npz'] },
  { reader: 'safetensors', defaultRuns: 10_000, maxValues: size => size,
    seeds: ['seeds/two.safetensors', 'seeds/bf16.safetensors'] },
  { reader: 'vecs', defaultRuns: 10_000, maxValues: size => size,
    seeds: ['seeds/small.fvecs', 'seeds/small.bvecs'] },
  { reader: 'delimited', defaultRuns: 10_000, maxValues: size => size,
    seeds: ['seeds/small.tsv', 'seeds/header.csv', 'seeds/crlf.csv'] },
  { reader: 'json', defaultRuns: 10_000, maxValues: size => size,
    seeds: ['seeds/small.jsonl', 'seeds/base64.ndjson', 'seeds/response.json'] },
  { reader: 'word-vectors', defaultRuns: 10_000, maxValues: size => size,
    seeds: ['seeds/small.vec', 'seeds/small.bin', 'seeds/glove.txt'] },
  { reader: 'faiss', defaultRuns: 5_000, maxValues: size => size,
    seeds: ['../formats/faiss/flat_l2.index', '../formats/faiss/idmap.index', '../formats/faiss/idmap_hnsw_ip.index',
      '../formats/faiss/ivf_sparse_ip.index', '../formats/faiss/ivf_flat.index', '../formats/faiss/idmap_ivf.index', '../formats/faiss/flat_l1.index'] },
  { reader: 'raw', defaultRuns: 1_000, maxValues: size => size, raw: { dim: 12 },
    seeds: ['../formats/raw/emb.f32'] },
  { reader: 'torch', defaultRuns: 10_000,
    seeds: ['seeds/zip_tensor.pt', 'seeds/zip_state_dict.pt', 'seeds/legacy.pt', 'seeds/zip_view.pt'] },
  { reader: 'hdf5', defaultRuns: 10_000, disk: true, maxValues: size => size * DEFLATE_MAX_RATIO + (1 << 20),
    seeds: ['seeds/contiguous.h5', 'seeds/chunked_gzip.h5', 'seeds/latest_contiguous.h5', 'seeds/latest_chunked.h5'] },
  { reader: 'parquet', defaultRuns: 10_000,
    seeds: ['../formats/parquet/list_float_snappy.parquet', '../formats/parquet/per_dim_columns.parquet', '../formats/parquet/refusals/ragged.parquet',
      '../formats/parquet/dtypes_v2.parquet', '../formats/parquet/codecs/lz4_raw.parquet'] },
  { reader: 'arrow', defaultRuns: 10_000, maxValues: size => 8 * size,
    seeds: ['../formats/arrow/per_dim.arrow', '../formats/arrow/list_double.feather', '../formats/arrow/fixed_size_list.arrow',
      '../formats/arrow/endianness/nested.big.arrow', '../formats/arrow/null_rows/list_float32.arrow', '../formats/arrow/mixed_width_dim.arrow'] },
  { reader: 'arrow-stream', defaultRuns: 5_000, maxValues: size => 8 * size,
    seeds: ['../formats/arrow/stream/per_dim.arrow', '../formats/arrow/stream/fixed_dictionary.arrow'] },
  // compressed record batches: a buffer's content may be up to ZSTD_MAX_RATIO times its compressed bytes
  // the .embstats partial (docs/embstats.md), also in a ZIP64 archive: read, reported, and its information estimates
  { reader: 'embstats', defaultRuns: 2_000, seeds: ['embstats/seeds/small.embstats', 'embstats/seeds/zip64.embstats'] },
  { reader: 'arrow-compressed', defaultRuns: 5_000, maxValues: size => size * ZSTD_MAX_RATIO,
    seeds: ['../formats/arrow/compressed/fixed_float32.lz4.arrow', '../formats/arrow/compressed/list_float32.zstd.arrow', '../formats/arrow/compressed/nested.lz4.arrow',
      '../formats/arrow/compressed/nested.zstd.arrow', '../formats/arrow/compressed/union.zstd.arrow', '../formats/arrow/compressed/blocks.lz4.arrow'] },
  // Zarr zip stores (v2 and v3, blosc, zlib, gzip, zstd, transpose): an array may be all fill value, so no bound on the values it declares
  { reader: 'zarr', defaultRuns: 3_000,
    seeds: ['../formats/zarr/zipped.zarr.zip', '../formats/zarr/mixed.zarr.zip'] },
];

function loadSeeds(spec: ReaderSpec): Seed[] {
  return spec.seeds.map(rel => {
    const file = path.join(HOSTILE, rel);
    return { name: rel, fileName: path.basename(file), bytes: new Uint8Array(fs.readFileSync(file)) };
  });
}

// ---- the property ------------------------------------------------------------------------------

/** Values read per case at most (reads are windowed beyond this). */
const MAX_VALUES_PER_CASE = 1 << 21;
/** Bytes read per case at most, as a multiple of the file size (plus a constant). */
const READ_AMPLIFICATION = 64;

class Hang extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Hang(`${what} did not finish within ${ms} ms`)), ms); }),
  ]);
}

interface Outcome { ok: boolean; code?: string; values: number }

async function exercise(bytes: Uint8Array, fileName: string, spec: ReaderSpec, tmpDir: string | undefined): Promise<Outcome> {
  if (spec.reader === 'embstats') return exerciseEmbstats(bytes, fileName);
  let inner: ByteSource;
  if (spec.disk) {
    const file = path.join(tmpDir!, fileName);
    fs.writeFileSync(file, bytes);
    inner = await FileByteSource.open(file);
  } else inner = new MemoryByteSource(bytes, fileName);
  const source = new CountingSource(inner);
  let values = 0;
  const checkReads = () => assert.ok(source.bytesRead <= READ_AMPLIFICATION * bytes.length + (1 << 16),
    `read ${source.bytesRead} bytes in ${source.reads} reads from a ${bytes.length}-byte file`);
  try {
    const dump = await openDump(source, { fileName, raw: spec.raw });
    assert.ok(Array.isArray(dump.arrays), 'arrays is a list');
    for (const a of dump.arrays) {
      // What the file declares is listed (it helps to see it); an array that can be opened has an exact shape.
      const exact = a.shape.every(d => Number.isSafeInteger(d) && d >= 0);
      assert.ok(a.shape.every(d => Number.isFinite(d) && d >= 0) && (exact || !a.analysable), `array '${a.name}' has shape ${JSON.stringify(a.shape)}`);
    }
    const names: (string | undefined)[] = [undefined, ...dump.arrays.filter(a => a.analysable).slice(0, 6).map(a => a.name)];
    for (const name of names) {
      const matrix = await dump.open(name);
      const { rows, dim } = matrix;
      assert.ok(Number.isSafeInteger(rows) && rows >= 0 && Number.isSafeInteger(dim) && dim > 0, `rows ${rows}, dim ${dim}`);
      const total = rows * dim;
      assert.ok(Number.isSafeInteger(total), `rows x dim = ${total}`);
      const shape = matrix.shape;
      const product = shape.reduce((p, d) => p * d, 1);
      assert.equal(product, total, `shape (${shape.join(', ')}) vs ${rows} x ${dim}`);
      const listed = dump.arrays.find(a => a.name === matrix.name);
      assert.ok(listed, `the opened array '${matrix.name}' is listed`);
      assert.deepEqual([...listed.shape], [...shape], 'listed shape = opened shape');
      const limit = spec.maxValues?.(bytes.length);
      if (limit !== undefined && total > limit) {
        assert.fail(`'${matrix.name}' declares ${rows} x ${dim} = ${total} values, more than a ${bytes.length}-byte ${spec.reader} file can hold (${limit})`);
      }
      const check = (data: Float64Array, count: number) => {
        assert.ok(data instanceof Float64Array, 'readRows returns a Float64Array');
        assert.equal(data.length, count * dim, `readRows(…, ${count}) returned ${data.length} values for dim ${dim}`);
        values += data.length;
      };
      if (total <= MAX_VALUES_PER_CASE) {
        check(await matrix.readRows(0, rows), rows);
      } else {
        // Legitimately huge (stride-0 views, fill values, RLE): the first and last rows, in bounded windows.
        const window = Math.max(1, Math.floor(MAX_VALUES_PER_CASE / 4 / dim));
        check(await matrix.readRows(0, Math.min(rows, window)), Math.min(rows, window));
        check(await matrix.readRows(rows - Math.min(rows, window), Math.min(rows, window)), Math.min(rows, window));
      }
      if (rows > 1) check(await matrix.readRows(rows - 1, 1), 1);
      check(await matrix.readRows(0, 0), 0);
    }
    checkReads();
    return { ok: true, values };
  } catch (e) {
    if (e instanceof EmbdiagError) {
      assert.ok(!isSafetyNetCatch(e), `the reader threw a stray exception (caught by the safety net of openDump): ${e.detail}`);
      assert.ok(KNOWN_CODES.has(e.code), `unknown error code '${e.code}'`);
      assert.ok(e.message.length > 0, 'the error says something');
      if (!e.message.includes(fileName)) assert.fail(`the ${e.code} error does not name the file: ${e.message}`);
      // An abort inside WebAssembly (HDF5) leaves the library unusable for every later file.
      if (/Aborted\(|RuntimeError|unreachable/.test(`${e.message}\n${e.detail ?? ''}`)) assert.fail(`a library aborted: ${e.message} ${e.detail ?? ''}`);
      checkReads();
      return { ok: false, code: e.code, values };
    }
    throw e;
  } finally {
    await source.close();
  }
}

/**
 * An .embstats: either refused with an EmbdiagError naming the file, or a partial whose report
 * (and information estimates) hold only finite numbers or say why not (numeric-overflow).
 */
async function exerciseEmbstats(bytes: Uint8Array, fileName: string): Promise<Outcome> {
  const source = new CountingSource(new MemoryByteSource(bytes, fileName));
  try {
    const p = await readEmbstatsSource(source);
    assert.ok(source.bytesRead <= READ_AMPLIFICATION * bytes.length + (1 << 16), `read ${source.bytesRead} bytes from a ${bytes.length}-byte file`);
    const report = reportOfPartial(p, { displayPath: fileName });
    const overflow = report.findings.some(f => f.code === 'numeric-overflow' || f.code === 'too-few-rows' || f.code === 'no-rows');
    if (!overflow) {
      assert.ok(report.eigenvalues.every(Number.isFinite), 'eigenvalues are finite');
      assert.ok(report.eigenvalues.length === 0 || report.metrics !== null, 'a spectrum has its metrics');
    }
    let values = report.eigenvalues.length;
    if (!overflow && p.count >= 2 && p.sample.indices.length >= 2) {
      try {
        const info = informationOfPartial(p);
        values += info.rows.used;
      } catch (e) {
        if (!(e instanceof EmbdiagError)) throw e;
      }
    }
    return { ok: true, values };
  } catch (e) {
    if (e instanceof EmbdiagError) {
      assert.ok(KNOWN_CODES.has(e.code), `unknown error code '${e.code}'`);
      if (!e.message.includes(fileName)) assert.fail(`the ${e.code} error does not name the file: ${e.message}`);
      return { ok: false, code: e.code, values: 0 };
    }
    throw e;
  } finally {
    await source.close();
  }
}

interface Stats { cases: number; ok: number; codes: Map<string, number>; slowestMs: number; totalMs: number }

function fuzzReader(spec: ReaderSpec, runs: number, seed: number): Promise<Stats> {
  const seeds = loadSeeds(spec);
  const tmpDir = spec.disk ? fs.mkdtempSync(path.join(os.tmpdir(), `embdiag-fuzz-${spec.reader}-`)) : undefined;
  const stats: Stats = { cases: 0, ok: 0, codes: new Map(), slowestMs: 0, totalMs: 0 };
  const arbitrary = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  });
  const property = fc.asyncProperty(arbitrary, async ({ seed: s, mutations }) => {
    const base = seeds[s];
    let bytes = base.bytes;
    for (const m of mutations) bytes = apply(bytes, m);
    // A hang or a crash cannot be caught by the case itself: the case is named to the watchdog (and FUZZ_TRACE) first.
    const described = `${spec.reader} ${base.name}\n${mutations.map(describeMutation).join('\n')}\n`;
    announce(described);
    if (TRACE) fs.writeFileSync(TRACE, described);
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    let outcome: Outcome;
    try {
      outcome = await withTimeout(exercise(bytes, base.fileName, spec, tmpDir), CASE_HANG_MS, `${spec.reader} case`);
      await noUnhandledRejections();
    } catch (e) {
      const detail = e instanceof Error ? e.stack ?? e.message : String(e);
      throw new Error(`${spec.reader}: seed file ${base.name} with mutations ${mutations.map(describeMutation).join(' ; ')}:\n${detail}`);
    }
    const ms = performance.now() - started;
    const cpuMs = cpuMsSince(cpu0);
    stats.cases++;
    stats.totalMs += ms;
    stats.slowestMs = Math.max(stats.slowestMs, ms);
    if (outcome.ok) stats.ok++;
    else stats.codes.set(outcome.code!, (stats.codes.get(outcome.code!) ?? 0) + 1);
    if (cpuMs > CASE_LIMIT_MS) {
      throw new Error(`${spec.reader}: a case took ${cpuMs.toFixed(0)} ms of CPU time (limit ${CASE_LIMIT_MS}): seed file ${base.name} with mutations ${mutations.map(describeMutation).join(' ; ')}`);
    }
  });
  return checkProperty(property, seed, runs, spec.reader)
    .then(() => stats)
    .finally(() => { if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true }); });
}

/** Unhandled promise rejections (in the CLI they end the process): collected, and blamed on the case that caused them. */
const unhandled: unknown[] = [];
process.on('unhandledRejection', reason => { unhandled.push(reason); });

/** Lets rejections nobody handled surface (they are reported once the current macrotask ends), and fails on them. */
async function noUnhandledRejections(): Promise<void> {
  await new Promise(resolve => setImmediate(resolve));
  if (unhandled.length) {
    const reason = unhandled.splice(0)[0];
    throw new Error(`an unhandled promise rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  }
}

/** fc.check with the failure spelled out: the error (naming the case that caused it) and how to replay it. */
async function checkProperty<T>(property: fc.IAsyncProperty<T>, seed: number, runs: number, what: string): Promise<void> {
  const details = await fc.check(property, { seed, numRuns: runs, endOnFailure: true });
  if (details.failed) {
    const error = details.errorInstance instanceof Error ? details.errorInstance.stack ?? details.errorInstance.message : String(details.errorInstance);
    assert.fail(`${what}: property failed after ${details.numRuns} cases (replay: FUZZ_SEED=${details.seed}, path ${details.counterexamplePath}):\n${error}`);
  }
}

function summary(spec: ReaderSpec, runs: number, s: Stats, ms: number): string {
  const codes = [...s.codes.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
  return `fuzz ${spec.reader}: ${s.cases}/${runs} cases in ${(ms / 1000).toFixed(1)} s (${(s.cases / (ms / 1000)).toFixed(0)}/s, slowest ${s.slowestMs.toFixed(0)} ms, seed ${SEED}): ${s.ok} read, refused: ${codes || 'none'}`;
}

// ---- the restricted unpickler, with generated opcode programs ------------------------------------

/**
 * Byte mutations of torch files rarely reach deep into the unpickler: here whole pickles are
 * generated, opcode by opcode, with arguments that are sometimes right and sometimes lie (lengths
 * past the end, huge memo indices, unbalanced marks, globals allowed or not). The unpickler must
 * return a value or throw an EmbdiagError; walking the value (cycles included) must too.
 */
const u32le = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n >>> 0, true); return b; };
const u64le = (n: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, n), true); return b; };
const text = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: (number | Uint8Array)[]): Uint8Array => {
  const arrays = parts.map(p => (typeof p === 'number' ? Uint8Array.of(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) { out.set(a, at); at += a.length; }
  return out;
};

const smallLength = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(255, 65535, 0x7fffffff, 0xffffffff));
const bigLength = fc.oneof(fc.bigInt({ min: 0n, max: 12n }), fc.constantFrom(2n ** 31n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n));
const word = fc.constantFrom('torch', 'collections', 'OrderedDict', 'os', 'system', 'builtins', 'eval', 'FloatStorage', '_rebuild_tensor_v2',
  'torch._utils', 'storage', 'set', 'Size', '', 'a\nb', 'posix', '__reduce__');
const payload = (n: number) => fc.uint8Array({ minLength: 0, maxLength: Math.min(n, 16) });

const instruction: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0x28, 0x30, 0x31, 0x32, 0x4e, 0x88, 0x89, 0x5d, 0x61, 0x65, 0x6c, 0x29, 0x74, 0x85, 0x86, 0x87, 0x7d, 0x64, 0x73,
    0x75, 0x8f, 0x90, 0x91, 0x94, 0x52, 0x81, 0x92, 0x62, 0x93, 0x51, 0x6f, 0x97, 0x98, 0x2e).map(op => Uint8Array.of(op)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map(op => Uint8Array.of(op)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }).map(v => Uint8Array.of(0x80, v)) }, // PROTO
  { weight: 1, arbitrary: bigLength.map(n => cat(0x95, u64le(n))) }, // FRAME
  { weight: 2, arbitrary: fc.integer().map(v => { const b = new Uint8Array(5); b[0] = 0x4a; new DataView(b.buffer).setInt32(1, v, true); return b; }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }).map(v => Uint8Array.of(0x4b, v)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }).map(v => Uint8Array.of(0x4d, v & 255, v >> 8)) },
  { weight: 1, arbitrary: fc.oneof(fc.integer().map(String), fc.constantFrom('01', '00', '1L', '-', '9'.repeat(500), 'x')).map(s => cat(0x49, text(s), 0x0a)) },
  { weight: 1, arbitrary: fc.constantFrom('nan', 'inf', '-inf', '1.5', 'x', '1e999').map(s => cat(0x46, text(s), 0x0a)) },
  { weight: 1, arbitrary: fc.tuple(smallLength, payload(16)).map(([n, p]) => cat(0x8a, n & 255, p)) }, // LONG1
  { weight: 1, arbitrary: fc.tuple(smallLength, payload(16)).map(([n, p]) => cat(0x8b, u32le(n), p)) }, // LONG4
  { weight: 1, arbitrary: fc.constantFrom("'abc'", '"x\\n"', "'\\x41'", "'bad", "'\\q'").map(s => cat(0x53, text(s), 0x0a)) },
  { weight: 1, arbitrary: fc.constantFrom('abc', '\\u0041', '\\U0001F600', '\\x41').map(s => cat(0x56, text(s), 0x0a)) },
  { weight: 3, arbitrary: word.map(w => { const b = text(w); return cat(0x8c, b.length, b); }) },
  { weight: 1, arbitrary: fc.tuple(smallLength, payload(16)).map(([n, p]) => cat(0x58, u32le(n), p)) },
  { weight: 1, arbitrary: fc.tuple(bigLength, payload(16)).map(([n, p]) => cat(0x8d, u64le(n), p)) },
  { weight: 1, arbitrary: fc.tuple(smallLength, payload(16)).map(([n, p]) => cat(0x54, u32le(n), p)) }, // BINSTRING (signed length)
  { weight: 1, arbitrary: fc.tuple(smallLength, payload(16)).map(([n, p]) => cat(0x42, u32le(n), p)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0x8e, 0x96), bigLength, payload(16)).map(([op, n, p]) => cat(op, u64le(n), p)) }, // BINBYTES8, BYTEARRAY8
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), payload(16)).map(([n, p]) => cat(0x43, n, p)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 8 }).map(i => Uint8Array.of(0x71, i)) }, // BINPUT
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 8 }).map(i => Uint8Array.of(0x68, i)) }, // BINGET
  { weight: 1, arbitrary: smallLength.map(i => cat(0x6a, u32le(i))) }, // LONG_BINGET
  { weight: 1, arbitrary: smallLength.map(i => cat(0x72, u32le(i))) }, // LONG_BINPUT
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0x67, 0x70), fc.constantFrom('0', '1', '99999999999', 'x')).map(([op, s]) => cat(op, text(s), 0x0a)) }, // GET, PUT
  { weight: 2, arbitrary: fc.tuple(word, word).map(([m, n]) => cat(0x63, text(m), 0x0a, text(n), 0x0a)) }, // GLOBAL
  { weight: 1, arbitrary: fc.tuple(word, word).map(([m, n]) => cat(0x69, text(m), 0x0a, text(n), 0x0a)) }, // INST
  { weight: 1, arbitrary: fc.constantFrom(Uint8Array.of(0x63, ...text('collections\nOrderedDict\n')), Uint8Array.of(0x63, ...text('torch\nFloatStorage\n')),
    Uint8Array.of(0x63, ...text('builtins\nset\n')), Uint8Array.of(0x63, ...text('torch._utils\n_rebuild_tensor_v2\n'))) },
  { weight: 1, arbitrary: fc.constantFrom('0', 'x').map(s => cat(0x50, text(s), 0x0a)) }, // PERSID
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0x82, 0x83, 0x84), fc.integer({ min: 0, max: 255 })).map(([op, v]) => Uint8Array.of(op, v, 0, 0, 0)) }, // EXT1/2/4
);

/** A handful of allowed globals, as a reader would allow them. */
const FUZZ_GLOBALS = new Map<string, AllowedGlobal>([
  ['collections.OrderedDict', { call: () => new PyDict('OrderedDict') }],
  ['builtins.set', { call: ([items]) => new PySet(Array.isArray(items) ? [...items] : []) }],
  ['torch.FloatStorage', {}],
  ['torch._utils._rebuild_tensor_v2', { call: args => new PyTuple([...args]) }],
]);

function runPickle(bytes: Uint8Array): void {
  try {
    const { value } = unpickle(bytes, 0, {
      label: 'fuzz.pkl', globals: FUZZ_GLOBALS,
      persistentLoad: pid => {
        if (!(pid instanceof PyTuple)) throw new EmbdiagError('bad-header', 'fuzz.pkl: a persistent id that is not a tuple.');
        return new PyGlobal('torch', 'FloatStorage');
      },
    });
    let visited = 0;
    walkPickle(value, 'fuzz.pkl', () => ++visited < 1_000_000);
  } catch (e) {
    if (e instanceof EmbdiagError) {
      assert.ok(KNOWN_CODES.has(e.code), `unknown error code ${e.code}`);
      assert.ok(e.message.includes('fuzz.pkl'), `the message does not name the pickle: ${e.message}`);
      return;
    }
    throw e;
  }
}

/** The pickle job: generated programs through the unpickler (and walkPickle). */
async function fuzzPickle(runs: number, seed: number): Promise<{ slowestMs: number }> {
  let slowest = 0;
  const program = fc.tuple(fc.constantFrom(Uint8Array.of(0x80, 2), Uint8Array.of(0x80, 4), new Uint8Array(0)), fc.array(instruction, { maxLength: 40 }), fc.boolean())
    .map(([proto, body, stop]) => cat(proto, ...body, ...(stop ? [0x2e] : [])));
  await checkProperty(fc.asyncProperty(program, async bytes => {
    announce(`pickle bytes [${Array.from(bytes).join(',')}]`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    try {
      runPickle(bytes);
    } catch (e) {
      throw new Error(`pickle bytes [${Array.from(bytes).join(',')}]: ${e instanceof Error ? e.stack : String(e)}`);
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    const cpuMs = cpuMsSince(cpu0);
    if (cpuMs > CASE_LIMIT_MS) throw new Error(`pickle bytes [${Array.from(bytes).join(',')}] took ${cpuMs.toFixed(0)} ms of CPU time`);
  }), seed, runs, 'pickle');
  return { slowestMs: slowest };
}

// ---- jobs in worker threads, under a watchdog ---------------------------------------------------------

/**
 * Each reader's property runs in a worker thread with a heap limit: a case stuck in a synchronous
 * loop (no timer can interrupt it) or allocating without bound ends the worker, not the test run,
 * and the watchdog names the case, which the worker announced before running it.
 */
const HANG_MS = CASE_HANG_MS + 10_000;
const WORKER_HEAP_MB = 1536;

type Announce = (text: string) => void;
let announce: Announce = () => undefined;

type JobResult = { kind: 'reader'; stats: { cases: number; ok: number; codes: [string, number][]; slowestMs: number } } | { kind: 'pickle'; slowestMs: number };
type FromJob = { type: 'case'; text: string } | { type: 'done'; result: JobResult } | { type: 'failed'; message: string };

async function runJob(job: string, runs: number, seed: number): Promise<JobResult> {
  if (job === 'pickle') return { kind: 'pickle', ...(await fuzzPickle(runs, seed)) };
  const spec = READERS.find(r => r.reader === job)!;
  const stats = await fuzzReader(spec, runs, seed);
  return { kind: 'reader', stats: { cases: stats.cases, ok: stats.ok, codes: [...stats.codes.entries()], slowestMs: stats.slowestMs } };
}

if (!isMainThread && (workerData as { fuzzJob?: string } | null)?.fuzzJob) {
  const { fuzzJob, runs, seed } = workerData as { fuzzJob: string; runs: number; seed: number };
  const port = parentPort!;
  announce = text => port.postMessage({ type: 'case', text } satisfies FromJob);
  runJob(fuzzJob, runs, seed).then(
    result => port.postMessage({ type: 'done', result } satisfies FromJob),
    e => port.postMessage({ type: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies FromJob));
}

/** Runs a job in a worker (this very file); rejects naming the case on a failure, a hang or a crash of the worker. */
function inWorker(job: string, runs: number, seed: number): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { fuzzJob: job, runs, seed }, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    let lastCase = '(none yet)';
    let lastSeen = Date.now();
    let settled = false;
    const settle = (error: Error | undefined, result?: JobResult) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      if (error) reject(error); else resolve(result!);
    };
    const watchdog = setInterval(() => {
      if (Date.now() - lastSeen < HANG_MS) return;
      void worker.terminate();
      settle(new Error(`fuzz ${job}: a case ran for more than ${HANG_MS} ms without finishing (a hang: the worker was stopped). The case:\n${lastCase}`));
    }, 500);
    worker.on('message', (m: FromJob) => {
      lastSeen = Date.now();
      if (m.type === 'case') lastCase = m.text;
      else if (m.type === 'done') { settle(undefined, m.result); void worker.terminate(); }
      else settle(new Error(m.message));
    });
    worker.on('error', e => settle(new Error(`fuzz ${job}: the worker died (${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}) during the case:\n${lastCase}`)));
    worker.on('exit', code => settle(new Error(`fuzz ${job}: the worker exited (code ${code}) during the case:\n${lastCase}`)));
  });
}

if (isMainThread) {
  test('every fuzzing seed is a valid file its reader reads whole', async () => {
    for (const spec of READERS) {
      if (ONLY && !ONLY.has(spec.reader)) continue;
      const tmpDir = spec.disk ? fs.mkdtempSync(path.join(os.tmpdir(), `embdiag-seed-${spec.reader}-`)) : undefined;
      try {
        for (const seed of loadSeeds(spec)) {
          const outcome = await exercise(seed.bytes, seed.fileName, spec, tmpDir);
          assert.ok(outcome.ok || seed.name.includes('refusals'), `${seed.name}: refused with ${outcome.code}`);
          assert.ok(outcome.values > 0 || seed.name.includes('refusals'), `${seed.name}: no values read`);
        }
      } finally {
        if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
      }
    }
  });

  for (const spec of READERS) {
    if (ONLY && !ONLY.has(spec.reader)) continue;
    const runs = RUNS_OVERRIDE ?? spec.defaultRuns;
    test(`fuzz ${spec.reader}: ${runs} mutated files, each read or refused with an EmbdiagError (seed ${SEED})`, async t => {
      const started = performance.now();
      const result = await inWorker(spec.reader, runs, SEED);
      if (result.kind !== 'reader') throw new Error('unexpected job result');
      const stats: Stats = { ...result.stats, codes: new Map(result.stats.codes), totalMs: 0 };
      const line = summary(spec, runs, stats, performance.now() - started);
      t.diagnostic(line);
      if (process.env.FUZZ_VERBOSE) console.log(line);
    });
  }

  if (!ONLY || ONLY.has('pickle')) {
    const runs = RUNS_OVERRIDE ?? 10_000;
    test(`fuzz pickle: ${runs} generated opcode programs, each unpickled or refused with an EmbdiagError (seed ${SEED})`, async t => {
      const started = performance.now();
      const result = await inWorker('pickle', runs, SEED);
      if (result.kind !== 'pickle') throw new Error('unexpected job result');
      const line = `fuzz pickle: ${runs} programs in ${((performance.now() - started) / 1000).toFixed(1)} s (slowest ${result.slowestMs.toFixed(0)} ms, seed ${SEED})`;
      t.diagnostic(line);
      if (process.env.FUZZ_VERBOSE) console.log(line);
    });
  }
}

export { apply, mutation, exercise, READERS, type ReaderSpec };
