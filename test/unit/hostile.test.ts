/**
 * The hostile corpus (test/fixtures/hostile/, written by make_hostile.py): malformed files for every
 * reader, each with a <file>.expected.json. Each file goes through openDump → open → readRows of all
 * rows, and through the whole analysis (analyzeFile):
 * - an expected error: both must throw an EmbdiagError with that code (the reader's own refusal,
 *   not a stray exception caught by the safety net of openDump), a message holding the expected
 *   fragment and naming the file, within CASE_CPU_LIMIT_MS of CPU time;
 * - an expected error with "readable": reading succeeds, only the analysis must refuse;
 * - a degenerate (valid) file: reading succeeds, and the report's figures are finite or explained
 *   by a finding (no NaN/Infinity in metrics or anywhere in the JSON without one; JSON.stringify
 *   would turn them into a silent null).
 * Also: every truncation of every fuzzing seed is refused with an EmbdiagError.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbdiagError } from '../../src/core/errors';
import { isSafetyNetCatch } from '../../src/core/formats/readerSafetyNet';
import { ByteSource, MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { openDump } from '../../src/core/formats/openDump';
import { siblingOpener } from '../../src/core/formats/openDumpFile';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import type { AnalysisReport } from '../../src/core/report/analysisReport';
import { renderMarkdown, renderText } from '../../src/core/report/renderText';
import { FIXTURES } from './support';
import { EMBSTATS_EXTENSION, readEmbstats, readEmbstatsSource } from '../../src/core/dataset/embstatsFile';
import { reportOfPartial } from '../../src/core/dataset/datasetReport';

const HOSTILE = path.join(FIXTURES, 'hostile');
/**
 * CPU time (user + system, this process) each file's read, and its analysis, may take: what a
 * hostile file must not be able to make us spend. CPU time, not wall time, so that a loaded
 * machine does not fail the test; `npm run bench` prints the wall times (scripts/bench_robustness.mjs).
 */
const CASE_CPU_LIMIT_MS = 2000;
/** Wall time after which a case counts as hung (generous: only a hang, not a slow machine, reaches it). */
const CASE_HANG_MS = 60_000;
/** Values a corpus file may make a reader return at once: the corpus files are small. */
const MAX_VALUES = 1 << 22;

interface Expected {
  why: string;
  error?: string;
  message?: string;
  degenerate?: boolean;
  findings?: string[];
  array?: string;
  kernels?: 'float32' | 'float64';
  /** With `error`: the file itself reads fine; only the analysis must refuse it. */
  readable?: boolean;
  /** A known bug in a file this work may not change: the case is reported as todo with this reason. */
  todo?: string;
}

function corpus(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(HOSTILE, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) { if (entry.name !== 'seeds') walk(child); } else if (entry.name.endsWith('.expected.json')) out.push(child.slice(0, -'.expected.json'.length));
    }
  };
  walk('');
  return out.sort();
}

/** CPU milliseconds (user + system) this process has used since `since`. */
function cpuMsSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = process.cpuUsage();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${CASE_HANG_MS} ms (a hang)`)), CASE_HANG_MS); }),
    ]);
  } finally {
    clearTimeout(timer);
    const ms = cpuMsSince(started);
    assert.ok(ms <= CASE_CPU_LIMIT_MS, `${what} took ${ms.toFixed(0)} ms of CPU time (limit ${CASE_CPU_LIMIT_MS})`);
  }
}

/** openDump → open → readRows(0, rows), on the file on disk (HDF5 is read in place). */
async function readWhole(file: string, arrayName?: string): Promise<{ rows: number; dim: number; values: number }> {
  const source = await FileByteSource.open(file);
  try {
    // beside a file: its sidecar manifest (a raw array's dtype and dim), as the analysis finds it
    const dump = await openDump(source, { fileName: file, openSibling: siblingOpener(file) });
    const matrix = await dump.open(arrayName);
    assert.ok(matrix.rows * matrix.dim <= MAX_VALUES, `the reader accepted ${matrix.rows} x ${matrix.dim} values from a ${source.size}-byte file`);
    const data = await matrix.readRows(0, matrix.rows);
    assert.equal(data.length, matrix.rows * matrix.dim);
    return { rows: matrix.rows, dim: matrix.dim, values: data.length };
  } finally {
    await source.close();
  }
}

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function assertRefusal(e: unknown, expected: Expected, file: string, how: string): void {
  assert.ok(e !== undefined, `${how}: expected an EmbdiagError '${expected.error}', but the file was read`);
  assert.ok(e instanceof EmbdiagError, `${how}: expected an EmbdiagError '${expected.error}', got ${e instanceof Error ? e.stack : String(e)}`);
  assert.ok(!isSafetyNetCatch(e), `${how}: the reader threw a stray exception (caught by the safety net): ${e.detail}`);
  assert.equal(e.code, expected.error, `${how}: ${e.message}`);
  assert.ok(e.message.includes(expected.message!), `${how}: the message should mention ${JSON.stringify(expected.message)}: ${e.message}`);
  assert.ok(e.message.includes(path.basename(file)), `${how}: the message should name the file: ${e.message}`);
  assert.ok(e.message.length < 2000, `${how}: the message is ${e.message.length} characters long`);
}

/** Findings that explain a figure that could not be computed (NaN) or overflowed (Infinity). */
const EXPLAINING = new Set(['too-few-rows', 'no-rows', 'numeric-overflow']);

/**
 * Every non-finite number in the report, by JSON path (JSON.stringify would write them as null).
 * Finding messages are text and not searched.
 */
function nonFiniteNumbers(report: AnalysisReport): string[] {
  const found: string[] = [];
  const walk = (v: unknown, at: string) => {
    if (typeof v === 'number') { if (!Number.isFinite(v)) found.push(`${at} = ${v}`); return; }
    if (Array.isArray(v)) { v.forEach((x, i) => walk(x, `${at}[${i}]`)); return; }
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
  };
  // The replacer sees each value before serialisation: numbers that would silently become null.
  JSON.stringify(report, (key, value) => {
    if (typeof value === 'number' && !Number.isFinite(value)) found.push(`(json) ${key} = ${value}`);
    return value;
  });
  walk(report.metrics, 'metrics');
  return [...new Set(found)];
}

function checkDegenerateReport(report: AnalysisReport, expected: Expected, rel: string): void {
  const codes = report.findings.map(f => f.code);
  for (const want of expected.findings ?? []) assert.ok(codes.includes(want), `${rel}: expected finding '${want}', got ${codes.join(', ') || 'none'}`);
  const explained = codes.some(c => EXPLAINING.has(c));
  const bad = nonFiniteNumbers(report);
  if (bad.length && !explained) {
    assert.fail(`${rel}: the report holds non-finite numbers that no finding explains (findings: ${codes.join(', ') || 'none'}): ${bad.slice(0, 10).join('; ')}`);
  }
  if (report.metrics === null) {
    assert.ok(explained, `${rel}: the report has no spectrum metrics, and no finding says why (findings: ${codes.join(', ') || 'none'})`);
  }
  // Figures printed into messages: a NaN, an infinity or an undefined in a sentence is a bug.
  const unprintable = /\bNaN\s*%|NaN\)|[(=:]\s*NaN\b|\bInfinity\b(?! rows)|∞|\bundefined\b|\bnull\b/;
  for (const f of report.findings) {
    const message = f.message.replace(/contain ±Infinity/g, '');
    assert.ok(f.message.length > 0 && !unprintable.test(message), `${rel}: finding ${f.code} says ${JSON.stringify(f.message)}`);
  }
  // The renderers print a figure that could not be computed as 'n/a (NaN)' or '∞': only where a finding explains it.
  const text = renderText(report) + renderMarkdown(report);
  if (!explained) {
    const shown = text.split('\n').filter(line => /n\/a \(NaN\)|∞|\bundefined\b|\bNaN\s*%/.test(line));
    assert.equal(shown.length, 0, `${rel}: the rendered report shows unexplained NaN/∞: ${shown.slice(0, 5).join(' | ')}`);
  }
}

// The HDF5 library (h5wasm) loads on the first .h5 file: seconds on a loaded machine, once per
// process. Loaded here, so the per-case limit measures the case alone.
before(async () => { await readWhole(path.join(HOSTILE, 'seeds', 'contiguous.h5')); });

for (const rel of corpus()) {
  const expected = JSON.parse(fs.readFileSync(path.join(HOSTILE, rel + '.expected.json'), 'utf8')) as Expected;
  const file = path.join(HOSTILE, rel);
  const title = `hostile ${rel}: ${expected.error ? `${expected.readable ? 'analysis refused: ' : ''}${expected.error} (${expected.why})` : `degenerate, read and explained (${expected.why})`}`;
  test(title, { todo: expected.todo }, async () => {
    if (rel.endsWith(EMBSTATS_EXTENSION)) return hostileEmbstats(file, expected, rel);
    if (expected.error) {
      if (expected.readable) await timed(`reading ${rel}`, () => readWhole(file, expected.array));
      else assertRefusal(await timed(`reading ${rel}`, () => caught(() => readWhole(file, expected.array))), expected, file, 'openDump/open/readRows');
      assertRefusal(await timed(`analysing ${rel}`, () => caught(() => analyzeFile(file, { maxRows: 100_000, seed: 0, arrayName: expected.array, workers: 0 }))),
        expected, file, 'analyzeFile');
      return;
    }
    assert.ok(expected.degenerate, `${rel}: the expected JSON says neither error nor degenerate`);
    await timed(`reading ${rel}`, () => readWhole(file, expected.array));
    const report = await timed(`analysing ${rel}`, () => analyzeFile(file, { maxRows: 100_000, seed: 0, arrayName: expected.array, kernels: expected.kernels, workers: 0 }));
    checkDegenerateReport(report, expected, rel);
  });
}

/** An .embstats partial: read (readEmbstats) and reported (reportOfPartial), as `embdiag analyze X.embstats` does. */
async function hostileEmbstats(file: string, expected: Expected, rel: string): Promise<void> {
  const analyse = async () => reportOfPartial(await readEmbstats(file), { displayPath: file });
  if (expected.error) {
    assertRefusal(await timed(`reading ${rel}`, () => caught(() => readEmbstats(file))), expected, file, 'readEmbstats');
    return;
  }
  assert.ok(expected.degenerate, `${rel}: the expected JSON says neither error nor degenerate`);
  checkDegenerateReport(await timed(`analysing ${rel}`, analyse), expected, rel);
}

test('every truncation of the .embstats seeds (plain and ZIP64) is refused with an EmbdiagError naming the file', async () => {
  for (const name of ['small.embstats', 'zip64.embstats']) await everyTruncationRefused(name);
});

async function everyTruncationRefused(name: string): Promise<void> {
  const bytes = new Uint8Array(fs.readFileSync(path.join(HOSTILE, 'embstats', 'seeds', name)));
  const whole = await readEmbstatsSource(new MemoryByteSource(bytes, name));
  assert.equal(whole.count, 20, 'the seed itself is read');
  for (let n = 0; n < bytes.length; n++) {
    const source = new MemoryByteSource(bytes.subarray(0, n), name);
    const started = process.cpuUsage();
    const e = await caught(() => readEmbstatsSource(source));
    assert.ok(cpuMsSince(started) < CASE_CPU_LIMIT_MS, `${name} cut to ${n} bytes: too slow`);
    assert.ok(e instanceof EmbdiagError && !isSafetyNetCatch(e), `${name} cut to ${n} bytes: ${e instanceof EmbdiagError ? e.detail : e instanceof Error ? e.stack : String(e)}`);
    assert.ok(e.message.includes(name), `${name} cut to ${n} bytes: the message does not name the file: ${e.message}`);
  }
}

// ---- every truncation of every seed ----------------------------------------------------------------

/** Seeds whose prefixes may be valid files: whole records of .fvecs/.bvecs, whole lines of text or JSON Lines. */
const PREFIX_MAY_BE_VALID = /\.(fvecs|bvecs|tsv|csv|jsonl|ndjson|vec|txt)$/;
/** HDF5 prefixes are opened by the HDF5 library from disk: only every STRIDE-th is tried. */
const DISK_STRIDE = 61;

test('every truncation of every fuzzing seed is refused with an EmbdiagError', async () => {
  const seeds = fs.readdirSync(path.join(HOSTILE, 'seeds')).sort();
  assert.ok(seeds.length >= 10, 'the seeds exist (run make_hostile.py)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-truncations-'));
  let cases = 0;
  try {
    for (const name of seeds) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(HOSTILE, 'seeds', name)));
      const disk = /\.h5$/.test(name);
      const step = disk ? DISK_STRIDE : bytes.length > 4096 ? 7 : 1;
      for (let n = 0; n < bytes.length; n += step) {
        const prefix = bytes.subarray(0, n);
        let source: ByteSource;
        if (disk) {
          const file = path.join(tmp, name);
          fs.writeFileSync(file, prefix);
          source = await FileByteSource.open(file);
        } else source = new MemoryByteSource(prefix, name);
        cases++;
        const started = process.cpuUsage();
        const e = await caught(async () => {
          const dump = await openDump(source, { fileName: name });
          for (const info of dump.arrays.filter(a => a.analysable)) {
            const matrix = await dump.open(info.name);
            await matrix.readRows(0, matrix.rows);
          }
          if (!dump.arrays.some(a => a.analysable)) await dump.open();
        });
        await source.close();
        const ms = cpuMsSince(started);
        assert.ok(ms < CASE_CPU_LIMIT_MS, `${name} cut to ${n} bytes took ${ms.toFixed(0)} ms of CPU time`);
        if (e === undefined) {
          assert.ok(PREFIX_MAY_BE_VALID.test(name), `${name} cut to ${n} of ${bytes.length} bytes was read as a valid file`);
          continue;
        }
        assert.ok(e instanceof EmbdiagError && !isSafetyNetCatch(e), `${name} cut to ${n} bytes: ${e instanceof EmbdiagError ? e.detail : e instanceof Error ? e.stack : String(e)}`);
        assert.ok(e.message.includes(name), `${name} cut to ${n} bytes: the message does not name the file: ${e.message}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  assert.ok(cases > 1000);
});
