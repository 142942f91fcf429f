/**
 * Refusals are our own sentences: no JavaScript exception text, no stack trace, no raw control
 * bytes from the file. The JavaScript text survives only in EmbdiagError.detail (--verbose, the
 * output channel).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { asEmbdiagError, EmbdiagError, escapeControlCharacters } from '../../src/core/errors';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { openDump } from '../../src/core/formats/openDump';
import { isSafetyNetCatch, withReaderSafetyNet } from '../../src/core/formats/readerSafetyNet';
import type { DumpFile, EmbeddingMatrix } from '../../src/core/formats/dumpFile';
import { cliErrorOutput } from '../../src/cli/cliErrors';
import { analyzeSource } from '../../src/core/analysis/analyzeDump';
import { renderMarkdown, renderText } from '../../src/core/report/renderText';
import { AnalysisError, asAnalysisError } from '../../src/extension/analysisService';
import { FIXTURES, REPO_ROOT } from './support';

const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** JavaScript engine text and stack frames: never in a message. */
const ENGINE_TEXT = /Cannot destructure|Cannot read properties|Invalid typed array length|is not a function|TypeError|RangeError|\n\s+at |\bat .*\.js:\d+/;
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

async function refusal(fn: () => Promise<unknown>): Promise<EmbdiagError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof EmbdiagError, `an EmbdiagError, got ${e instanceof Error ? e.stack : String(e)}`);
    return e;
  }
  assert.fail('expected a refusal');
}

test('EmbdiagError writes control characters as \\xNN (line feeds as \\n), tabs and text unchanged', () => {
  const e = new EmbdiagError('bad-text', 'x.csv: cell "a\u0000b\u001b[31mc\rd\ne\tf\u007f\u0085é"', 'hint\u0007');
  assert.equal(e.message, 'x.csv: cell "a\\x00b\\x1b[31mc\\x0dd\\ne\tf\\x7f\\x85é" hint\\x07');
  assert.equal(escapeControlCharacters('plain ∞ text'), 'plain ∞ text');
});

test('a CSV cell with NUL and escape bytes: the refusal quotes it escaped, never raw', async () => {
  // JSON.stringify, which the reader quotes cells with, leaves DEL and the C1 controls raw
  const bytes = new TextEncoder().encode('1,2\n3,\u0000\u001b[2J\u0007x\u007f\u009b31m\n');
  const e = await refusal(async () => {
    const m = await (await openDump(new MemoryByteSource(bytes, 'hostile.csv'), { fileName: 'hostile.csv' })).open();
    await m.readRows(0, m.rows);
  });
  assert.equal(e.code, 'bad-text');
  assert.ok(!RAW_CONTROL.test(e.message), `no raw control byte: ${JSON.stringify(e.message)}`);
  assert.ok(e.message.includes('hostile.csv'));
});

test('a CSV header with control bytes: the report\'s notes quote it escaped', async () => {
  const file = 'header.csv';
  const bytes = new TextEncoder().encode('a\u0000,b\u001b[2J\n1,2\n3,4\n5,7\n');
  const source = new MemoryByteSource(bytes, file);
  const report = await analyzeSource(source, file, { maxRows: 100, seed: 0 });
  const header = report.notes.find(n => n.startsWith('Header row'));
  assert.ok(header, report.notes.join(' | '));
  assert.equal(header, 'Header row: a\\x00, b\\x1b[2J.');
  for (const text of [renderText(report), renderMarkdown(report)]) assert.ok(!RAW_CONTROL.test(text.replace(/\n/g, '')), 'no raw control byte in the rendered report');
});

test('a reader\'s stray exception becomes bad-header in our words, naming the file and the reader; the JavaScript text goes to detail', async () => {
  const matrix: EmbeddingMatrix = {
    name: 'emb', dtype: 'float32', shape: [2, 2], rows: 2, dim: 2, notes: [],
    readRows: async () => { throw new RangeError('Invalid typed array length: 40'); },
  };
  let opened = 0;
  const dump: DumpFile = {
    format: 'parquet', arrays: [], notes: [], findings: [],
    open: async (name?: string) => {
      if (opened++ === 0 && name === 'broken') { const t: { type?: string } | undefined = undefined; return (t as unknown as { x: EmbeddingMatrix }).x; }
      return matrix;
    },
  };
  const guarded = withReaderSafetyNet(dump, 'bug.parquet');
  const onOpen = await refusal(() => guarded.open('broken'));
  const onRead = await refusal(async () => (await guarded.open()).readRows(0, 2));
  for (const e of [onOpen, onRead]) {
    assert.equal(e.code, 'bad-header');
    assert.match(e.message, /^bug\.parquet: the Parquet reader could not make sense of it \(/);
    assert.ok(!ENGINE_TEXT.test(e.message), e.message);
    assert.ok(e.detail && e.detail.length > 0, 'the JavaScript text is kept in detail');
    assert.ok(isSafetyNetCatch(e), 'marked as caught by the safety net (the hostile and fuzz tests look for that)');
  }
  assert.match(onRead.detail!, /Invalid typed array length: 40/);
  assert.match(onOpen.detail!, /Cannot read properties of undefined/);
});

test('a Parquet file with a physical type that does not exist (written by parquet-wasm, then damaged): refused with that fact, without JavaScript text', () => {
  const file = path.join(FIXTURES, 'robustness', 'bad_physical_type.parquet');
  const r = cli('analyze', file, '--json');
  assert.equal(r.status, 2, r.stderr);
  const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string; detail?: string } };
  assert.equal(error.code, 'bad-header');
  assert.ok(error.message.includes('bad_physical_type.parquet'), error.message);
  assert.ok(!ENGINE_TEXT.test(error.message), `no JavaScript text: ${error.message}`);
  assert.equal(error.detail, undefined, 'no detail without --verbose');
  const verbose = JSON.parse(cli('analyze', file, '--json', '--verbose').stdout) as { error: { message: string; detail?: string } };
  assert.equal(verbose.error.message, error.message);
  // the footer check states the fact before the library can trip over it: nothing technical is left to show
  assert.match(error.message, /physical type -?\d+ .*does not exist/, error.message);
});

test('an internal error: a plain sentence asking for a report, the stack only with --verbose', () => {
  let thrown: unknown;
  try { throw new Error('symmetricEigenvalues: no convergence for eigenvalue 0'); } catch (e) { thrown = e; }
  const err = asEmbdiagError(thrown, 'The analysis of carex.npz');
  assert.equal(err.code, 'internal');
  assert.match(err.message, /^The analysis of carex\.npz stopped on an internal error\. .*please report it/);
  assert.ok(!ENGINE_TEXT.test(err.message) && !err.message.includes('symmetricEigenvalues'), err.message);
  assert.match(err.detail!, /no convergence[\s\S]*\n\s+at /, 'the stack is kept in detail');

  const how = { json: true, verbose: false, doing: 'The analysis of carex.npz' };
  const plain = JSON.parse(cliErrorOutput(thrown, how).stdout) as { error: { code: string; message: string; detail?: string } };
  assert.deepEqual(Object.keys(plain.error), ['code', 'message']);
  assert.equal(plain.error.code, 'internal');
  assert.ok(!/\n|\bat /.test(plain.error.message), plain.error.message);
  const verbose = JSON.parse(cliErrorOutput(thrown, { ...how, verbose: true }).stdout) as { error: { detail?: string } };
  assert.match(verbose.error.detail!, /symmetricEigenvalues: no convergence/);
  const text = cliErrorOutput(thrown, { ...how, json: false });
  assert.equal(text.stdout, '');
  assert.equal(text.stderr.trimEnd().split('\n').length, 1, 'one line on stderr without --verbose');
  assert.ok(cliErrorOutput(thrown, { ...how, json: false, verbose: true }).stderr.includes('no convergence'));
});

test('a message a reader built around an engine exception keeps its sentence, not the exception', () => {
  const e = new EmbdiagError('bad-header', "x.parquet: has an unreadable footer (Cannot destructure property 'type' of 't' as it is undefined.).", 'Re-save it.');
  assert.equal(e.message, 'x.parquet: has an unreadable footer (a structure this reader could not follow). Re-save it.');
  assert.match(e.detail!, /Cannot destructure property 'type'/);
  const unbracketed = new EmbdiagError('bad-header', 'y.parquet: t.push is not a function');
  assert.ok(!ENGINE_TEXT.test(unbracketed.message) && unbracketed.message.startsWith('y.parquet: '), unbracketed.message);
});

test('the extension side: a failure that is not an AnalysisError reaches the Problems panel as a sentence, code internal', () => {
  const e = asAnalysisError(new TypeError("Cannot read properties of undefined (reading 'rowsUsed')"), 'The analysis of emb.npy');
  assert.ok(e instanceof AnalysisError);
  assert.equal(e.code, 'internal');
  assert.match(e.message, /^The analysis of emb\.npy stopped on an internal error\. .*please report it/);
  assert.ok(!ENGINE_TEXT.test(e.message), e.message);
  const own = new AnalysisError('bad-header', 'x.npy: has a damaged header.');
  assert.equal(asAnalysisError(own), own);
});
