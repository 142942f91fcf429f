import { analyzeFile } from '../core/analysis/analyzeDump';
import { EmbdiagError, isEmbdiagError } from '../core/errors';
import { renderMarkdown, renderText } from '../core/report/renderText';
import { reportToJson } from '../core/report/reportJson';
import { TOOL_VERSION } from '../core/version';
import { HELP, parseCliArguments, wantsJson } from './cliArguments';

/** The `embdiag` command: the same core as the extension, for terminals and CI. */
async function main(argv: string[]): Promise<number> {
  const json = wantsJson(argv);
  try {
    const cmd = parseCliArguments(argv);
    if (cmd.kind === 'help') { process.stdout.write(HELP); return 0; }
    if (cmd.kind === 'version') { process.stdout.write(`embdiag ${TOOL_VERSION}\n`); return 0; }
    const report = await analyzeFile(cmd.file, {
      maxRows: cmd.maxRows, seed: cmd.seed, arrayName: cmd.arrayName, thresholds: cmd.thresholds,
    }, process.stderr.isTTY ? { onProgress: progressToStderr() } : {});
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const out = cmd.output === 'json' ? reportToJson(report)
      : cmd.output === 'markdown' ? renderMarkdown(report) : renderText(report);
    process.stdout.write(out);
    return report.findings.some(f => f.severity === 'error') ? 1 : 0;
  } catch (e) {
    const err = isEmbdiagError(e) ? e : new EmbdiagError('internal', `Internal error: ${(e as Error)?.stack ?? String(e)}`);
    if (json) process.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message } }, null, 2) + '\n');
    else process.stderr.write(`embdiag: ${err.message}\n`);
    return 2;
  }
}

function progressToStderr() {
  return (fraction: number, message: string) => {
    process.stderr.write(`\r\x1b[K${Math.round(fraction * 100)}% ${message}`);
  };
}

main(process.argv.slice(2)).then(code => { process.exitCode = code; });
