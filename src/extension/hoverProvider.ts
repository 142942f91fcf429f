import * as vscode from 'vscode';
import * as path from 'node:path';
import { pathLiteralAt } from '../core/text/pathLiterals';
import { renderSummaryMarkdown, escapeMarkdownText } from '../core/report/renderSummary';
import { ALL_DUMP_EXTENSIONS, BINARY_DUMP_EXTENSIONS, SNIFFED_DUMP_EXTENSIONS, contentIsDump, literalRange, resolveDumpPath } from './dumpPaths';
import { AnalysisError, asAnalysisError, type AnalysisService } from './analysisService';
import { readSettings } from './settings';
import { informationTask, informationWanted } from './informationTask';
import { informationHoverLines } from '../core/information/informationFindings';
import { regimeHoverLine } from '../core/regime/regimeFindings';
import { manifestAutoencoder, regimeCheckTask } from './manifestAutoencoder';
import { OPEN_REPORT_COMMAND } from './commandIds';

/** A short report when the pointer rests on a quoted dump path in code. */
export class DumpHoverProvider implements vscode.HoverProvider {
  constructor(private readonly service: AnalysisService) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const settings = readSettings(document.uri);
    if (!settings.enableHovers) return undefined;
    const line = document.lineAt(position.line);
    const lineStart = document.offsetAt(line.range.start);
    const literal = pathLiteralAt(line.text, position.character, [...ALL_DUMP_EXTENSIONS, ...SNIFFED_DUMP_EXTENSIONS]);
    if (!literal) return undefined;
    const range = literalRange(document, { ...literal, start: lineStart + literal.start, end: lineStart + literal.end });
    const resolved = await resolveDumpPath(literal.value, document);
    const md = new vscode.MarkdownString(undefined, true);
    if (!resolved.exists) {
      // text formats are often unrelated data: only binary dumps are worth a "missing" hover
      if (!BINARY_DUMP_EXTENSIONS.some(e => literal.value.toLowerCase().endsWith(e))) return undefined;
      md.appendMarkdown(`**Embeddings** $(error) \`${literal.value.replace(/`/g, "'")}\` does not exist.\n\nLooked for: ${resolved.tried.map(t => `\`${t.replace(/`/g, "'")}\``).join(', ')}`);
      return new vscode.Hover(md, range);
    }
    // config.json and friends are not dumps: only an existing file whose content says so gets a hover
    const sniffed = SNIFFED_DUMP_EXTENSIONS.some(e => literal.value.toLowerCase().endsWith(e));
    if (sniffed && !await contentIsDump(resolved.fsPath)) return undefined;
    const options = { maxRows: settings.maxRows, seed: settings.seed, thresholds: settings.thresholds };
    try {
      const report = await this.service.analyze(resolved.fsPath, options, { token });
      md.appendMarkdown(renderSummaryMarkdown(report, literal.value));
      // rate, capacity and verdict when already computed (the panel or diagnostics ran them): a hover never waits for them
      const task = informationTask(resolved.fsPath, settings);
      const info = await this.service.cachedTask(task);
      if (info) md.appendMarkdown('\n\n' + informationHoverLines(info).map(escapeMarkdownText).join('  \n'));
      else if (await informationWanted(resolved.fsPath, settings)) {
        // companions or a manifest ask for them: start them now, so the next hover shows them
        this.service.run(task).catch(() => undefined);
        md.appendMarkdown('\n\n' + escapeMarkdownText('rate and capacity: being computed (companion arrays or a manifest found); hover again to see them'));
      }
      const planned = await manifestAutoencoder(resolved.fsPath);
      const regime = planned && await this.service.cachedTask(regimeCheckTask(resolved.fsPath, planned.config, settings));
      if (regime) md.appendMarkdown('\n\n' + escapeMarkdownText(regimeHoverLine(regime.regime)));
      const args = encodeURIComponent(JSON.stringify([resolved.fsPath]));
      md.appendMarkdown(`\n\n[$(graph) Open full report](command:${OPEN_REPORT_COMMAND}?${args} "Open the Embedding Diagnostics report")`);
      md.isTrusted = { enabledCommands: [OPEN_REPORT_COMMAND] };
    } catch (e) {
      if (e instanceof AnalysisError && e.code === 'cancelled') return undefined;
      const err = asAnalysisError(e, `The analysis of ${path.basename(resolved.fsPath)}`);
      md.appendMarkdown(`**Embeddings** $(error) \`${path.basename(resolved.fsPath).replace(/`/g, "'")}\` could not be analysed (${err.code}).\n\n${escapeMarkdownText(err.message)}`);
    }
    return new vscode.Hover(md, range);
  }
}
