import * as fs from 'node:fs/promises';
import { analyzeFile, type AnalyzeHooks } from '../core/analysis/analyzeDump';
import type { AnalysisReport, ShardSummary } from '../core/report/analysisReport';
import { analyzeDataset, partialOfDataset } from '../core/dataset/analyzeDataset';
import { EMBSTATS_EXTENSION, readEmbstats, writeEmbstats } from '../core/dataset/embstatsFile';
import { assertMergeable, PartialMerger, type DatasetPartial } from '../core/dataset/partial';
import { reportOfPartial } from '../core/dataset/datasetReport';
import { shardNumberingFindings } from '../core/dataset/datasetPaths';
import { PartialCache } from '../core/dataset/partialCache';
import { EmbdiagError, escapeControlCharacters } from '../core/errors';
import { cliErrorOutput } from './cliErrors';
import { renderMarkdown, renderText } from '../core/report/renderText';
import { reportToJson } from '../core/report/reportJson';
import { TOOL_VERSION } from '../core/version';
import { HELP, parseCliArguments, wantsJson, wantsVerbose, type CliCommand } from './cliArguments';
import { loadFiniteRows } from '../core/analysis/loadRows';
import { analyzeInformationFile, summarizeInformation, type InformationReport } from '../core/information/informationReport';
import { informationByDefault } from '../core/information/informationDefault';
import { analyzeRegime } from '../core/regime/regimeReport';
import { renderRegimeMarkdown, renderRegimeText } from '../core/regime/renderRegime';
import { stepDiverges } from '../core/regime/stability';
import { streamFindingRows } from '../core/analysis/findingRows';
import { openDumpFile } from '../core/formats/openDumpFile';
import { openRowMetadata } from '../core/rows/readRowMetadata';
import { rowView } from '../core/rows/rowView';
import { csvCell, jsonLine, metadataCells, metadataFields, renderRowViewText } from '../core/rows/renderRowView';

/** The `embdiag` command: the same core as the extension, for terminals and CI. */
async function main(argv: string[]): Promise<number> {
  const json = wantsJson(argv);
  let doing = 'embdiag';
  try {
    const cmd = parseCliArguments(argv);
    if (cmd.kind === 'analyze' || cmd.kind === 'regime') doing = `The ${cmd.kind === 'regime' ? 'regime analysis' : 'analysis'} of ${cmd.file}`;
    if (cmd.kind === 'help') { process.stdout.write(HELP); return 0; }
    if (cmd.kind === 'version') { process.stdout.write(`embdiag ${TOOL_VERSION}\n`); return 0; }
    if (cmd.kind === 'regime') return await runRegime(cmd);
    if (cmd.kind === 'rows') { doing = `Listing the rows of ${cmd.finding} in ${cmd.file}`; return await runRows(cmd); }
    if (cmd.kind === 'row') { doing = `Showing row ${cmd.row} of ${cmd.file}`; return await runRow(cmd); }
    if (cmd.kind === 'stats' || cmd.kind === 'merge') {
      doing = `Writing ${cmd.out}`;
      return await runDatasetCommand(cmd, process.stderr.isTTY ? { onProgress: progressToStderr() } : {});
    }
    const dataset = await isDatasetRequest(cmd.files);
    if (dataset && cmd.information === true) throw new EmbdiagError('bad-argument', 'The information estimates are not available for datasets yet: analyse one file for them.');
    const hooks = process.stderr.isTTY ? { onProgress: progressToStderr() } : {};
    const report = dataset ? await analyzeDatasetRequest(cmd, hooks) : await analyzeFile(cmd.file, {
      maxRows: cmd.maxRows, seed: cmd.seed, arrayName: cmd.arrayName, thresholds: cmd.thresholds,
    }, hooks);
    if (cmd.strict && report.incomplete) {
      const bad = report.shards!.filter(s => s.error);
      throw new EmbdiagError('unreadable', `${bad.length} shard${bad.length === 1 ? '' : 's'} could not be read (--strict): ${bad.slice(0, 5).map(s => `${s.file}: ${s.error!.message}`).join('; ')}${bad.length > 5 ? '; …' : ''}`);
    }
    const information = dataset ? undefined : await informationIfWanted(cmd);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    // a single file is a dataset of one shard: its --json says so too (text output unchanged)
    const withShards = dataset ? report : { ...report, shards: [await singleShard(cmd.file, report)] };
    const out = cmd.output === 'json' ? reportToJson(information ? { ...withShards, information } : withShards)
      : cmd.output === 'markdown' ? renderMarkdown(report) + (information ? `\n### Information estimates\n\n${summarizeInformation(information).map(l => `- ${l}`).join('\n')}\n` : '')
        : renderText(report) + (information ? `\nInformation estimates (arXiv 2601.11334; standard estimators, see README)\n${summarizeInformation(information).map(l => `  ${l}`).join('\n')}\n` : '');
    process.stdout.write(out);
    const infoError = information?.problems.some(p => p.severity === 'error') ?? false;
    return report.findings.some(f => f.severity === 'error') || infoError ? 1 : 0;
  } catch (e) {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const out = cliErrorOutput(e, { json, verbose: wantsVerbose(argv), doing });
    process.stdout.write(out.stdout);
    process.stderr.write(out.stderr);
    return 2;
  }
}

/** The information analysis: when asked for, or by default when a sidecar manifest or a companion array in the container is there. */
async function informationIfWanted(cmd: Extract<CliCommand, { kind: 'analyze' }>): Promise<InformationReport | undefined> {
  if (cmd.information === false) return undefined;
  if (cmd.information === 'auto' && !(await informationByDefault(cmd.file))) return undefined;
  return analyzeInformationFile(cmd.file, cmd.informationFlags, { maxRows: Math.min(cmd.maxRows, 10_000), seed: cmd.seed });
}

async function runRegime(cmd: Extract<CliCommand, { kind: 'regime' }>): Promise<number> {
  const progress = process.stderr.isTTY ? progressToStderr() : undefined;
  progress?.(0, 'Reading rows');
  const rows = await loadFiniteRows(cmd.file, { arrayName: cmd.arrayName, maxRows: cmd.maxRows, seed: cmd.seed });
  if (rows.n < 4) throw new EmbdiagError('bad-shape', `${cmd.file}: only ${rows.n} finite rows; a regime needs at least 4 (some for training, some held out).`);
  const regime = await analyzeRegime({ X: rows.X, n: rows.n, d: rows.d }, cmd.config, { onProgress: progress ? (p) => progress(p.fraction, p.message) : undefined });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const source = { file: cmd.file, arrayName: rows.arrayName, rowsTotal: rows.rowsTotal, rowsRead: rows.rowsRead, droppedNonFinite: rows.droppedNonFinite, droppedNull: rows.droppedNull, sampled: rows.sampled, seed: rows.seed };
  const out = cmd.output === 'json'
    ? reportToJson({
      file: cmd.file, array: { name: rows.arrayName, dtype: rows.dtype }, rowsTotal: rows.rowsTotal, rowsUsed: rows.n,
      droppedNonFiniteRows: rows.droppedNonFinite,
      droppedNullRows: rows.droppedNull,
      sampling: { sampled: rows.sampled, method: rows.sampled ? 'uniform random sample without replacement' : 'all rows', seed: rows.seed, maxRows: cmd.maxRows },
      regime,
    })
    : cmd.output === 'markdown' ? renderRegimeMarkdown(regime, source) : renderRegimeText(regime, source);
  process.stdout.write(out);
  return stepDiverges(regime.stepSize.verdict) ? 1 : 0;
}

/**
 * `embdiag rows`: every row of one finding, one per line (CSV with a header, or JSON lines),
 * written as found. When the dump has row metadata (labels, texts, ...) each line carries it too,
 * read for the rows listed only, a batch at a time.
 */
async function runRows(cmd: Extract<CliCommand, { kind: 'rows' }>): Promise<number> {
  const duplicates = cmd.finding === 'duplicate-rows';
  const opened = cmd.metadata ? await openDumpFile(cmd.file) : undefined;
  try {
    const metadata = opened && await openRowMetadata(cmd.file, opened.dump, cmd);
    const names = metadata?.columns.map(c => (c.name === 'row' || c.name === 'repeats' ? `metadata.${c.name}` : c.name)) ?? [];
    if (cmd.format === 'csv') process.stdout.write([duplicates ? 'row,repeats' : 'row', ...names.map(csvCell)].join(',') + '\n');
    let pending: { row: number; repeats?: number }[] = [];
    let writing = Promise.resolve();
    const flush = async (batch: { row: number; repeats?: number }[]) => {
      if (!batch.length) return;
      const meta = metadata && await metadata.read(batch.map(b => b.row));
      process.stdout.write(batch.map(({ row, repeats }, i) => {
        if (cmd.format === 'csv') return [duplicates ? `${row},${repeats}` : `${row}`, ...(meta ? metadataCells(meta, i) : [])].join(',');
        return jsonLine({ ...(duplicates ? { row, repeats } : { row }), ...(meta ? { metadata: metadataFields(meta, i) } : {}) });
      }).join('\n') + '\n');
    };
    const result = await streamFindingRows(cmd.file, cmd, (row, repeats) => {
      pending.push({ row, repeats });
      if (pending.length >= 4096) {
        const batch = pending;
        pending = [];
        writing = writing.then(() => flush(batch));
      }
    });
    await writing;
    await flush(pending);
    await metadata?.close();
    // column names come from the file: escaped like every message
    if (metadata?.columns.length) process.stderr.write(escapeControlCharacters(`Metadata: ${metadata.columns.map(c => `${c.name} (${c.role})`).join(', ')} from ${metadata.source}.`) + '\n');
    for (const m of metadata?.mismatched ?? []) process.stderr.write(escapeControlCharacters(`Left out of the metadata: '${m.name}' of ${m.source} has ${m.rows} rows, the vectors ${metadata!.rows}.`) + '\n');
    process.stderr.write(`${result.count} ${cmd.finding} ${result.sampled ? `among the ${result.rowsRead} rows read (a sample of ${result.rowsTotal}, seed ${cmd.seed})` : `of ${result.rowsTotal} rows`}.\n`);
    return 0;
  } finally {
    await opened?.source.close();
  }
}

/** `embdiag row FILE INDEX`: one row's view (norm, first values, neighbours, metadata). */
async function runRow(cmd: Extract<CliCommand, { kind: 'row' }>): Promise<number> {
  const view = await rowView(cmd.file, cmd.row, {
    arrayName: cmd.arrayName, sampleRows: cmd.sampleRows, seed: cmd.seed, neighbours: cmd.neighbours, labelColumn: cmd.labelColumn, textColumn: cmd.textColumn,
  });
  process.stdout.write(cmd.json ? reportToJson({ file: cmd.file, ...view }) : renderRowViewText(cmd.file, view));
  return 0;
}

async function singleShard(file: string, r: AnalysisReport): Promise<ShardSummary> {
  const mtime = await fs.stat(file).then(s => new Date(s.mtimeMs).toISOString(), () => undefined);
  return { file, firstRow: 0, rows: r.rowsTotal, format: r.format, array: r.array.name, dtype: r.array.dtype, size: r.fileSize, ...(mtime ? { mtime } : {}) };
}

/** Several PATHs, a folder, a glob or an .embstats: a dataset; one plain file: today's single-file analysis. */
async function isDatasetRequest(files: string[]): Promise<boolean> {
  if (files.length > 1) return true;
  const [p] = files;
  if (p.endsWith(EMBSTATS_EXTENSION) || /[*?[]/.test(p)) return true;
  try { return (await fs.stat(p)).isDirectory(); } catch { return false; }
}

async function analyzeDatasetRequest(cmd: Extract<CliCommand, { kind: 'analyze' }>, hooks: AnalyzeHooks): Promise<AnalysisReport> {
  const partials = cmd.files.filter(f => f.endsWith(EMBSTATS_EXTENSION));
  const displayPath = cmd.files.join(' ');
  if (partials.length === 0) {
    return analyzeDataset(cmd.files, { seed: cmd.seed, arrayName: cmd.arrayName, thresholds: cmd.thresholds, displayPath,
      cache: cmd.cacheDir === undefined ? undefined : new PartialCache(cmd.cacheDir) }, hooks);
  }
  if (partials.length !== cmd.files.length) throw new EmbdiagError('bad-argument', 'Give either shards or .embstats partials, not both: run "embdiag stats" on the shards first.');
  const merged = await mergeFiles(partials);
  return reportOfPartial(merged, { displayPath, thresholds: cmd.thresholds, findings: shardNumberingFindings(merged.shards.map(s => s.file)) });
}

/** Merges .embstats files read one at a time (memory: a few partials, whatever their number). */
async function mergeFiles(files: string[]): Promise<DatasetPartial> {
  const merger = new PartialMerger();
  let first: DatasetPartial | null = null;
  for (const f of files) {
    const p = await readEmbstats(f);
    // named refusals (which file, which field) before the merge's own checks
    if (first) assertMergeable(first, p, files[0], f);
    else first = p;
    merger.add(p);
  }
  return merger.result()!;
}

async function runDatasetCommand(cmd: Extract<CliCommand, { kind: 'stats' | 'merge' }>, hooks: AnalyzeHooks): Promise<number> {
  let partial: DatasetPartial;
  if (cmd.kind === 'merge') {
    partial = await mergeFiles(cmd.files);
  } else {
    const r = await partialOfDataset(cmd.files, { seed: cmd.seed, arrayName: cmd.arrayName, sampleRows: cmd.sampleRows, firstRow: cmd.firstRow,
      cache: cmd.cacheDir === undefined ? undefined : new PartialCache(cmd.cacheDir) }, hooks);
    if (r.failures.length || !r.partial) {
      throw new EmbdiagError('unreadable', `A partial covers whole shards only, and ${r.failures.length} could not be read: ${r.failures.slice(0, 5).map(f => `${f.file}: ${f.message}`).join('; ')}`);
    }
    partial = r.partial;
  }
  await writeEmbstats(cmd.out, partial);
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const rows = partial.shards.reduce((s, x) => s + x.rows, 0);
  process.stdout.write(cmd.json ? JSON.stringify({ output: cmd.out, shards: partial.shards.length, rows, dim: partial.dim, seed: partial.seed }, null, 2) + '\n'
    : `Wrote ${cmd.out}: ${partial.shards.length} shard${partial.shards.length === 1 ? '' : 's'}, ${rows} rows, dim ${partial.dim}.\n`);
  return 0;
}

function progressToStderr() {
  return (fraction: number, message: string) => {
    process.stderr.write(`\r\x1b[K${Math.round(fraction * 100)}% ${message}`);
  };
}

// a closed pipe (`embdiag … | head`) is the reader's choice, not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw e; });
main(process.argv.slice(2)).then(code => { process.exitCode = code; });
