#!/usr/bin/env node
// Row latency of the report panel (issue #15, target: row lists, metadata and the row view ≤ 100 ms
// from the cache): on a 100,000 × 1,024 Parquet dump with a 'label' and a 'text' column (written here
// by parquet-wasm, the Rust arrow/parquet writer), through the code the extension's worker runs
// (bundled from src on the fly): the analysis once, then the metadata of the rows the panel shows
// (src/extension/rowTasks.ts rowMetadataTask: the projection's sample and the findings' rows), the
// row list of each row-level finding with its rows' metadata, and the row view. "From the cache"
// means, per figure: metadata of the rows shown — the worker's RowMetadataCache
// (src/core/rows/rowMetadataCache.ts), warmed up in the background as soon as the report is done;
// the first request right after the report (it waits for the warm-up) and repeated ones are printed
// apart, and the uncached path (the file opened per request) for reference; a finding's row list —
// the same cache after the warm-up (the file open, the label and text chunks decoded); the row view
// — the worker's row views (src/core/rows/rowViewCache.ts: the neighbour sample kept, the metadata read
// through the same RowMetadataCache), the first right after the report printed apart. Median and max per kind, against 100 ms. Wall-clock figures on a
// shared machine: read them.
//
// Usage: node scripts/bench_rows.mjs [--rows N] [--dim D] [--row-group R] [--repeat K] [--keep]
//   BENCH_DIR  where the dump is written (default: a new directory under os.tmpdir(); kept with --keep)
// Also run by `npm run bench -- --projection` (scripts/bench_projection.mjs).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './bench_dumps.mjs';
import { optionReader } from './scriptArgs.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = optionReader(args);
const ROWS = Number(option('--rows', 100_000));
const DIM = Number(option('--dim', 1024));
const ROW_GROUP = Number(option('--row-group', 16_384));
const REPEAT = Number(option('--repeat', 20));
const keep = args.includes('--keep');
const TARGET_MS = 100;
const CLASSES = ['sports', 'politics', 'science', 'music', 'cooking', 'travel', 'finance', 'gaming', 'health', 'art'];
const WORDS = ['the', 'model', 'embedding', 'of', 'a', 'long', 'sentence', 'about', 'nothing', 'in', 'particular', 'and', 'more'];

/** Rows 7 and 8 all zeros, every 997th row a copy of the row before: findings with row lists. */
async function writeDump(file) {
  const arrow = await import('apache-arrow');
  const pw = await import('parquet-wasm');
  const listType = new arrow.List(new arrow.Field('item', new arrow.Float32(), true));
  const schema = new arrow.Schema([
    new arrow.Field('embedding', listType, true), new arrow.Field('label', new arrow.Utf8(), true), new arrow.Field('text', new arrow.Utf8(), true),
  ]);
  const rand = rng(15);
  const centres = CLASSES.map(() => Float32Array.from({ length: DIM }, () => 4 * (rand() - 0.5)));
  const batchRows = Math.min(ROW_GROUP, 8192);
  let r0 = 0;
  let previous = new Float32Array(DIM);
  const batches = new ReadableStream({
    pull(controller) {
      if (r0 >= ROWS) { controller.close(); return; }
      const n = Math.min(batchRows, ROWS - r0);
      const data = new Float32Array(n * DIM);
      const labels = [], texts = [];
      for (let i = 0; i < n; i++) {
        const row = r0 + i;
        const c = Math.floor(rand() * CLASSES.length);
        const x = data.subarray(i * DIM, (i + 1) * DIM);
        if (row === 7 || row === 8) x.fill(0);
        else if (row % 997 === 996) x.set(previous);
        else for (let j = 0; j < DIM; j++) x[j] = centres[c][j] + (rand() - 0.5);
        previous = x;
        labels.push(CLASSES[c]);
        texts.push(`row ${row}: ${Array.from({ length: 12 + (row % 20) }, (_, k) => WORDS[(row * 7 + k * 3) % WORDS.length]).join(' ')}`);
      }
      const values = arrow.makeData({ type: new arrow.Float32(), length: n * DIM, nullCount: 0, data });
      const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i * DIM);
      const lists = arrow.makeData({ type: listType, length: n, nullCount: 0, valueOffsets: offsets, child: values });
      const strings = (v) => arrow.vectorFromArray(v, new arrow.Utf8()).data[0];
      const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [lists, strings(labels), strings(texts)] });
      const table = pw.Table.fromIPCStream(arrow.tableToIPC(new arrow.Table([new arrow.RecordBatch(schema, struct)]), 'stream'));
      controller.enqueue(table.recordBatch(0));
      table.free();
      r0 += n;
    },
  }, { highWaterMark: 1 });
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).setMaxRowGroupSize(ROW_GROUP).build();
  const fd = fs.openSync(file, 'w');
  for await (const chunk of await pw.transformParquetStream(batches, props)) {
    let done = 0;
    while (done < chunk.length) done += fs.writeSync(fd, chunk, done, chunk.length - done);
  }
  fs.closeSync(fd);
}

/** The probe: the worker's code paths, timed in one process (as the worker keeps its row-view context). */
async function buildProbe(dir) {
  const esbuild = await import('esbuild');
  const entry = path.join(dir, 'rows-probe.ts');
  const src = (p) => JSON.stringify(path.join(ROOT, p));
  fs.writeFileSync(entry, `
import { analyzeFile } from ${src('src/core/analysis/analyzeDump.ts')};
import { rowMetadataTask, forPanel } from ${src('src/extension/rowTasks.ts')};
import { readRowMetadata } from ${src('src/core/rows/readRowMetadata.ts')};
import { RowViewCache } from ${src('src/core/rows/rowViewCache.ts')};
import { DEFAULT_NEIGHBOUR_SAMPLE } from ${src('src/core/rows/rowMetadata.ts')};
import { RowMetadataCache } from ${src('src/core/rows/rowMetadataCache.ts')};
const [file, repeatText] = process.argv.slice(2);
const repeat = Number(repeatText);
const time = async (f: () => Promise<unknown>) => { const t = performance.now(); await f(); return performance.now() - t; };
(async () => {
  const out: Record<string, unknown> = {};
  let report: any;
  out.analysisMs = await time(async () => { report = await analyzeFile(file, { maxRows: 100_000, seed: 0 }); });
  const findings = report.findings.filter((f: any) => f.rows?.length);
  out.findings = findings.map((f: any) => ({ id: f.code, rows: f.rows.length }));
  const task = rowMetadataTask(report, file)!;
  out.shownRows = task.rows.length;
  // uncached, for reference: the file opened for each request (as before the worker's cache)
  const cold: number[] = [];
  for (let k = 0; k < Math.min(repeat, 3); k++) cold.push(await time(async () => forPanel((await readRowMetadata(file, task.rows, task.options))!)));
  out.metadataUncached = cold;
  // as the worker does: the report done, the metadata of the rows shown is read in the background
  // (analysisWorker.ts warmUpRowMetadata); the panel's request, right after, waits for it
  // (each time with a new cache, as after a new report)
  const first: number[] = [];
  for (let k = 0; k < Math.min(repeat, 3); k++) {
    const fresh = new RowMetadataCache({ idleMs: 0 });
    void fresh.read(file, task.rows, task.options).catch(() => undefined);
    first.push(await time(async () => forPanel((await fresh.read(file, task.rows, task.options))!)));
    await fresh.close();
  }
  out.metadataFirst = first;
  const cache = new RowMetadataCache({ idleMs: 0 });
  void cache.read(file, task.rows, task.options).catch(() => undefined);
  const meta: number[] = [];
  for (let k = 0; k < Math.min(repeat, 5); k++) meta.push(await time(async () => forPanel((await cache.read(file, task.rows, task.options))!)));
  out.metadata = meta.slice(1);
  // the row list of a finding: its rows with their metadata (the panel lists label and text), from
  // the same cache (the file kept open, its label and text chunks decoded by the warm-up)
  const list: number[] = [];
  for (let k = 0; k < repeat; k++) { const f = findings[k % findings.length]; list.push(await time(() => cache.read(file, f.rows))); }
  out.findingList = list;
  // the row view, as the worker answers it (RowViewCache): the first right after the report opens the
  // context (the neighbour sample; the metadata from the same cache, warmed up), the next from it
  const rowViews = new RowViewCache(cache, { idleMs: 0 });
  const options = { seed: 0, sampleRows: DEFAULT_NEIGHBOUR_SAMPLE };
  out.contextMs = await time(() => rowViews.view(file, 13, options));
  const views: number[] = [];
  for (let k = 0; k < repeat; k++) views.push(await time(() => rowViews.view(file, (k * 7919 + 13) % report.rowsTotal, options)));
  out.rowView = views;
  await rowViews.close();
  await cache.close();
  process.stdout.write(JSON.stringify(out) + '\\n');
})().catch(e => { process.stderr.write(String(e?.stack ?? e) + '\\n'); process.exit(1); });
`);
  const outfile = path.join(dir, 'rows-probe.cjs');
  await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'silent', target: 'es2022',
    external: ['vscode'], loader: { '.wasm': 'file' } });
  return outfile;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const ms = (x) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const line = (what, xs, target) => `bench rows  ${what}: median ${ms(median(xs))}, max ${ms(Math.max(...xs))} over ${xs.length} requests${target ? ` — target ≤ ${TARGET_MS} ms: ${Math.max(...xs) <= TARGET_MS ? 'met' : median(xs) <= TARGET_MS ? 'median met, max over' : 'NOT met'}` : ''}`;

const dir = process.env.BENCH_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-rows-'));
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `rows-${ROWS}x${DIM}-rg${ROW_GROUP}.parquet`);
console.log(`\n== row latency (issue #15): ${ROWS.toLocaleString('en-US')} × ${DIM.toLocaleString('en-US')} Parquet (list<float32> 'embedding', utf8 'label' and 'text', snappy, row groups of ${ROW_GROUP.toLocaleString('en-US')} rows), the worker's code paths`);
try {
  if (!fs.existsSync(file)) {
    const t = performance.now();
    await writeDump(file);
    console.log(`bench rows  wrote ${path.basename(file)} (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const probe = await buildProbe(dir);
  const r = spawnSync(process.execPath, [probe, file, String(REPEAT)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`the probe failed: ${r.stderr.slice(-2000)}`);
  const o = JSON.parse(r.stdout.trim().split('\n').pop());
  console.log(`bench rows  analysis (once): ${(o.analysisMs / 1000).toFixed(1)} s; row-level findings: ${o.findings.map(f => `${f.id} (${f.rows} rows)`).join(', ') || 'none'}`);
  const shown = `metadata of the ${o.shownRows.toLocaleString('en-US')} rows shown (projection sample and findings' rows)`;
  console.log(line(`${shown}, uncached (the file opened for each request; reference)`, o.metadataUncached, false));
  console.log(line(`${shown}, first request right after a report (waits for the worker's warm-up, started at the report; a new cache each time)`, o.metadataFirst, true));
  console.log(line(`${shown}, repeated (the answer kept)`, o.metadata, true));
  if (o.findingList.length) console.log(line('row list of a finding (its rows\' metadata; the file kept open, its label and text chunks decoded by the warm-up)', o.findingList, true));
  console.log(`bench rows  row view, first right after the report (opens the neighbour sample; the metadata from the warmed-up cache): ${ms(o.contextMs)}`);
  console.log(line('row view from the cache', o.rowView, true));
  // the first views of a file also decode the label and text chunks their rows fall in (kept afterwards)
  if (o.rowView.length > 10) console.log(line('  of which after the first 5 (the column chunks kept)', o.rowView.slice(5), true));
} catch (e) {
  console.log(` ! row latency bench failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  if (!keep && !process.env.BENCH_DIR) fs.rmSync(dir, { recursive: true, force: true });
}
