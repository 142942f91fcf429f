import { isZarrDirectory } from '../core/formats/zarrStore';
import * as fs from 'node:fs/promises';
import { analyzeFile, type AnalyzeHooks } from '../core/analysis/analyzeDump';
import type { AnalysisReport, ShardSummary } from '../core/report/analysisReport';
import { analyzeDatasetWithPartial, partialOfDataset } from '../core/dataset/analyzeDataset';
import { informationOfDataset, sampleRowsInOrder } from '../core/dataset/datasetInformation';
import { DEFAULT_SAMPLE_ROWS } from '../core/dataset/rowSample';
import { EMBSTATS_EXTENSION, readEmbstats, writeEmbstats } from '../core/dataset/embstatsFile';
import { assertMergeable, PartialMerger, type DatasetPartial } from '../core/dataset/partial';
import { reportOfPartial, shardFailureText } from '../core/dataset/datasetReport';
import { setAsideNote, shardNumberingFindings } from '../core/dataset/datasetPaths';
import { PartialCache } from '../core/dataset/partialCache';
import { assertScalarsAgree, hasManifestScalars } from '../core/dataset/datasetScalars';
import { EmbdiagError, escapeControlCharacters } from '../core/errors';
import { cliErrorOutput } from './cliErrors';
import { renderMarkdown, renderText } from '../core/report/renderText';
import { reportToJson } from '../core/report/reportJson';
import { TOOL_VERSION } from '../core/version';
import { HELP, parseCliArguments, wantsJson, wantsVerbose, type CliCommand } from './cliArguments';
import { loadFiniteRows, type LoadedRows } from '../core/analysis/loadRows';
import { analyzeInformationFile } from '../core/information/analyzeInformation';
import { summarizeInformation, type InformationReport, type ScalarInputs } from '../core/information/informationReport';
import { informationByDefault } from '../core/information/informationDefault';
import { analyzeRegime } from '../core/regime/regimeReport';
import { renderRegimeMarkdown, renderRegimeText } from '../core/regime/renderRegime';
import { stepDiverges } from '../core/regime/stability';
import { streamFindingRows } from '../core/analysis/findingRows';
import { projectionForJson, withComponents } from '../core/analysis/projection';
import { openDumpFile } from '../core/formats/openDumpFile';
import { DEFAULT_UMAP_PARAMETERS, umapOfProjection } from '../core/analysis/umapLayout';
import { fileRowReader, partialRowReader } from '../core/rows/readRowsAt';
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
    if (dataset && cmd.raw) throw new EmbdiagError('bad-argument', '--dtype and --dim describe one headerless file; for a dataset of raw shards, give each its manifest (NAME.embeddings.json {"dtype": ..., "dim": ...}).');
    if (dataset) assertNoCompanions(cmd);
    const hooks = process.stderr.isTTY ? { onProgress: progressToStderr() } : {};
    const datasetResult = dataset ? await analyzeDatasetRequest(cmd, hooks) : null;
    const report = withProjectionComponents(datasetResult ? datasetResult.report : await analyzeFile(cmd.file, {
      maxRows: cmd.maxRows, seed: cmd.seed, arrayName: cmd.arrayName, raw: cmd.raw, thresholds: cmd.thresholds, projectionRows: cmd.projectionRows,
    }, hooks), cmd.projectionComponents);
    if (cmd.strict && report.incomplete) {
      const bad = report.shards!.filter(s => s.error);
      throw new EmbdiagError('unreadable', `${bad.length} shard${bad.length === 1 ? '' : 's'} could not be read (--strict): ${bad.slice(0, 5).map(s => shardFailureText({ file: s.file, message: s.error!.message })).join('; ')}${bad.length > 5 ? '; …' : ''}`);
    }
    // a dataset's information estimates run when asked for (--information or a scalar input), or by default when its shards carry companions or their manifests scalars
    const information = datasetResult
      ? (cmd.information === true || (cmd.information === 'auto' && (datasetResult.partial.companions || hasManifestScalars(datasetResult.partial))) ? await informationOfDataset(datasetResult.partial, { maxRows: datasetInformationRows(cmd) }, {}, informationScalars(cmd), cmd.informationFlags.labelColumn) : undefined)
      : await informationIfWanted(cmd);
    // a single file is a dataset of one shard: its --json says so too (text output unchanged)
    const withShards = await withUmap(dataset ? report : { ...report, shards: [await singleShard(cmd.file, report)] }, cmd, datasetResult?.partial, hooks);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const forJson = withShards.projection ? { ...withShards, projection: projectionForJson(withShards.projection) } : withShards;
    const out = cmd.output === 'json' ? reportToJson(information ? { ...forJson, information } : forJson)
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

/** Companion files given as flags are matched row by row with one file; a dataset's companions come with each shard. */
function assertNoCompanions(cmd: Extract<CliCommand, { kind: 'analyze' }>): void {
  const f = cmd.informationFlags;
  const given = (['perturbed', 'targets', 'predictions', 'inputs', 'labels'] as const).filter(r => f[r] !== undefined);
  if (given.length || (f.manifest !== undefined && f.manifest !== false)) {
    throw new EmbdiagError('bad-argument', `${given.length ? given.map(r => `--${r}`).join(', ') : '--manifest'} (companion arrays) apply to one file; the companions of a dataset come with each shard.`,
      'Put them in each shard (container keys embeddings_perturbed, targets, predictions, inputs, labels) or in each shard\'s sidecar manifest (NAME.embeddings.json).');
  }
}

/** The scalar inputs of the information analysis given as flags (they override those of the shards' manifests). */
function informationScalars(cmd: Extract<CliCommand, { kind: 'analyze' }>): ScalarInputs {
  const f = cmd.informationFlags;
  const out: ScalarInputs = {};
  for (const k of ['inputSymbols', 'bitsPerCoordinate', 'noiseStd', 'inputPower', 'distortion'] as const) if (f[k] !== undefined) out[k] = f[k];
  return out;
}

/** Rows of a dataset's shared sample the information estimates use: as for one file, --max-rows up to 10,000. */
function datasetInformationRows(cmd: Extract<CliCommand, { kind: 'analyze' }>): number {
  return Math.min(cmd.maxRows, 10_000);
}

async function runRegime(cmd: Extract<CliCommand, { kind: 'regime' }>): Promise<number> {
  const progress = process.stderr.isTTY ? progressToStderr() : undefined;
  progress?.(0, 'Reading rows');
  const rows = await isDatasetRequest([cmd.file]) ? await regimeRowsOfDataset(cmd, progress) : await loadFiniteRows(cmd.file, { arrayName: cmd.arrayName, raw: cmd.raw, maxRows: cmd.maxRows, seed: cmd.seed });
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

/** The projection drawn on the components asked for (--projection-components). */
/** --umap: the projection's non-linear view, its rows read again from the file (a dataset's from its row sample). */
async function withUmap(r: AnalysisReport, cmd: Extract<CliCommand, { kind: 'analyze' }>, partial: DatasetPartial | undefined, hooks: AnalyzeHooks): Promise<AnalysisReport> {
  if (!cmd.umap || !r.projection) return r;
  const read = partial ? partialRowReader(partial) : fileRowReader(cmd.file, { arrayName: cmd.arrayName, raw: cmd.raw });
  const umap = await umapOfProjection(r.projection, read, { ...DEFAULT_UMAP_PARAMETERS, seed: cmd.seed }, { onProgress: hooks.onProgress });
  return { ...r, projection: { ...r.projection, umap } };
}

function withProjectionComponents(r: AnalysisReport, [i, j]: [number, number]): AnalysisReport {
  if (!r.projection || (i === 1 && j === 2)) return r;
  return { ...r, projection: withComponents(r.projection, i, j) };
}

async function singleShard(file: string, r: AnalysisReport): Promise<ShardSummary> {
  const mtime = await fs.stat(file).then(s => new Date(s.mtimeMs).toISOString(), () => undefined);
  return { file, firstRow: 0, rows: r.rowsTotal, format: r.format, array: r.array.name, dtype: r.array.dtype, size: r.fileSize, ...(mtime ? { mtime } : {}) };
}

/** Several PATHs, a folder, a glob or an .embstats: a dataset; one plain file or Zarr store: today's single-file analysis. */
async function isDatasetRequest(files: string[]): Promise<boolean> {
  if (files.length > 1) return true;
  const [p] = files;
  if (p.endsWith(EMBSTATS_EXTENSION) || /[*?[]/.test(p)) return true;
  // a Zarr store is one dump, though a folder
  try { return (await fs.stat(p)).isDirectory() && !await isZarrDirectory(p); } catch { return false; }
}

async function analyzeDatasetRequest(cmd: Extract<CliCommand, { kind: 'analyze' }>, hooks: AnalyzeHooks): Promise<{ report: AnalysisReport; partial: DatasetPartial }> {
  const displayPath = cmd.files.join(' ');
  const merged = await mergedEmbstats(cmd.files);
  if (!merged) {
    // the information estimates need a larger shared sample than the report alone
    const sampleRows = cmd.information === true ? Math.max(DEFAULT_SAMPLE_ROWS, datasetInformationRows(cmd)) : undefined;
    return analyzeDatasetWithPartial(cmd.files, { seed: cmd.seed, arrayName: cmd.arrayName, thresholds: cmd.thresholds, displayPath, sampleRows, projectionRows: cmd.projectionRows,
      cache: cmd.cacheDir === undefined ? undefined : new PartialCache(cmd.cacheDir) }, hooks);
  }
  return { partial: merged, report: reportOfPartial(merged, { displayPath, thresholds: cmd.thresholds, findings: shardNumberingFindings(merged.shards.map(s => s.file)), projectionRows: cmd.projectionRows }) };
}

/** The merge of the .embstats files among `files`; null when there are none (shards to read). */
async function mergedEmbstats(files: string[]): Promise<DatasetPartial | null> {
  const partials = files.filter(f => f.endsWith(EMBSTATS_EXTENSION));
  if (partials.length === 0) return null;
  if (partials.length !== files.length) throw new EmbdiagError('bad-argument', 'Give either shards or .embstats partials, not both: run "embdiag stats" on the shards first.');
  return mergeFiles(partials);
}

/**
 * The regime's rows for a dataset (a folder, a glob or an .embstats): its shared uniform sample
 * of finite rows (--max-rows of them), the same whether read here or merged from partials.
 */
async function regimeRowsOfDataset(cmd: Extract<CliCommand, { kind: 'regime' }>, progress?: (f: number, m: string) => void): Promise<LoadedRows> {
  let partial = await mergedEmbstats([cmd.file]);
  if (!partial) {
    const r = await partialOfDataset([cmd.file], { seed: cmd.seed, arrayName: cmd.arrayName, sampleRows: cmd.maxRows }, progress ? { onProgress: progress } : {});
    if (r.failures.length || !r.partial) {
      throw new EmbdiagError('unreadable', `The regime of a dataset needs every shard, and ${r.failures.length} could not be read: ${r.failures.slice(0, 5).map(f => `${f.file}: ${f.message}`).join('; ')}`);
    }
    partial = r.partial;
  }
  const { X, n, indices } = sampleRowsInOrder(partial, cmd.maxRows);
  const rowsTotal = partial.shards.reduce((s, x) => s + x.rows, 0);
  const arrays = [...new Set(partial.shards.map(s => s.array))];
  const dtypes = [...new Set(partial.shards.map(s => s.dtype))];
  return {
    file: cmd.file, arrayName: partial.arrayChoice ?? arrays.join(', '), dtype: dtypes.join(', '), X, n, rowIndices: Float64Array.from(indices), d: partial.dim,
    rowsTotal, rowsRead: n, droppedNonFinite: partial.nanRows - partial.nullRows + partial.infRows, droppedNull: partial.nullRows,
    sampled: n < partial.count, seed: partial.seed,
  };
}

/**
 * Merges .embstats files read one at a time (memory: a few partials, whatever their number). With
 * `scalarsMustAgree` (embdiag merge: it writes a partial), shards whose manifests disagree on a
 * scalar are refused, naming them and their files; an analysis reports the disagreement instead.
 */
async function mergeFiles(files: string[], scalarsMustAgree = false): Promise<DatasetPartial> {
  const merger = new PartialMerger();
  let first: DatasetPartial | null = null;
  const scalars: { file: string; scalars: DatasetPartial['shards'][number]['scalars'] }[] = [];
  for (const f of files) {
    const p = await readEmbstats(f);
    // named refusals (which file, which field) before the merge's own checks
    if (first) assertMergeable(first, p, files[0], f);
    else first = p;
    if (scalarsMustAgree) {
      scalars.push(...p.shards.filter(s => s.scalars).map(s => ({ file: `${s.file} (in ${f})`, scalars: s.scalars })));
      assertScalarsAgree(scalars, `Cannot merge ${files.length === 2 ? `${files[0]} and ${files[1]}` : `these ${files.length} partials`}`);
    }
    merger.add(p);
  }
  return merger.result()!;
}

async function runDatasetCommand(cmd: Extract<CliCommand, { kind: 'stats' | 'merge' }>, hooks: AnalyzeHooks): Promise<number> {
  let partial: DatasetPartial;
  if (cmd.kind === 'merge') {
    partial = await mergeFiles(cmd.files, true);
  } else {
    const r = await partialOfDataset(cmd.files, { seed: cmd.seed, arrayName: cmd.arrayName, sampleRows: cmd.sampleRows, firstRow: cmd.firstRow,
      cache: cmd.cacheDir === undefined ? undefined : new PartialCache(cmd.cacheDir) }, hooks);
    if (r.failures.length || !r.partial) {
      throw new EmbdiagError('unreadable', `A partial covers whole shards only, and ${r.failures.length} could not be read: ${r.failures.slice(0, 5).map(f => `${f.file}: ${f.message}`).join('; ')}`);
    }
    partial = r.partial;
    assertScalarsAgree(partial.shards, `Cannot write ${cmd.out}`);
    const aside = setAsideNote(r.setAside);
    if (aside) process.stderr.write(`${escapeControlCharacters(aside)}\n`);
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
