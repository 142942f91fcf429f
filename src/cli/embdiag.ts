import { analyzeFile } from '../core/analysis/analyzeDump';
import { EmbdiagError } from '../core/errors';
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
    const report = await analyzeFile(cmd.file, {
      maxRows: cmd.maxRows, seed: cmd.seed, arrayName: cmd.arrayName, thresholds: cmd.thresholds,
    }, process.stderr.isTTY ? { onProgress: progressToStderr() } : {});
    const information = await informationIfWanted(cmd);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const out = cmd.output === 'json' ? reportToJson(information ? { ...report, information } : report)
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

/** `embdiag rows`: every row of one finding, one per line (CSV with a header, or JSON lines), written as found. */
async function runRows(cmd: Extract<CliCommand, { kind: 'rows' }>): Promise<number> {
  const duplicates = cmd.finding === 'duplicate-rows';
  let pending: string[] = [cmd.format === 'csv' ? (duplicates ? 'row,repeats' : 'row') : ''].filter(Boolean);
  const flush = () => { if (pending.length) process.stdout.write(pending.join('\n') + '\n'); pending = []; };
  const result = await streamFindingRows(cmd.file, cmd, (row, repeats) => {
    pending.push(cmd.format === 'csv' ? (duplicates ? `${row},${repeats}` : `${row}`)
      : JSON.stringify(duplicates ? { row, repeats } : { row }));
    if (pending.length >= 4096) flush();
  });
  flush();
  process.stderr.write(`${result.count} ${cmd.finding} ${result.sampled ? `among the ${result.rowsRead} rows read (a sample of ${result.rowsTotal}, seed ${cmd.seed})` : `of ${result.rowsTotal} rows`}.\n`);
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
