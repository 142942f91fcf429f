import * as vscode from 'vscode';
import * as path from 'node:path';
import { datasetLiteralAt, pathLiteralAt, type DatasetLiteral } from '../core/text/pathLiterals';
import { renderDatasetSummaryMarkdown, renderSummaryMarkdown, escapeMarkdownText } from '../core/report/renderSummary';
import { ALL_DUMP_EXTENSIONS, BINARY_DUMP_EXTENSIONS, SNIFFED_DUMP_EXTENSIONS, contentIsDump, literalRange, resolveDatasetPath, resolveDumpPath } from './dumpPaths';
import { datasetTask } from './datasetTask';
import type { Settings } from './settings';
import { AnalysisError, asAnalysisError, type AnalysisService } from './analysisService';
import { analysisOptions, readSettings } from './settings';
import { informationTask, informationWanted } from './informationTask';
import { informationHoverLines } from '../core/information/informationFindings';
import { regimeHoverLine } from '../core/regime/regimeFindings';
import { manifestAutoencoder, regimeCheckTask } from './manifestAutoencoder';
import { ANALYZE_FOLDER_COMMAND, OPEN_REPORT_COMMAND } from './commandIds';

/** How long a hover waits for a dataset analysis before saying it is under way (it goes on in the background). */
const DATASET_HOVER_WAIT_MS = 1500;

/** A short report when the pointer rests on a quoted dump path in code. */
export class DumpHoverProvider implements vscode.HoverProvider {
  constructor(private readonly service: AnalysisService, private readonly datasetCacheDir?: string) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const settings = readSettings(document.uri);
    if (!settings.enableHovers) return undefined;
    const line = document.lineAt(position.line);
    const lineStart = document.offsetAt(line.range.start);
    const dataset = datasetLiteralAt(line.text, position.character, BINARY_DUMP_EXTENSIONS);
    if (dataset) {
      const range = literalRange(document, { ...dataset, start: lineStart + dataset.start, end: lineStart + dataset.end });
      return this.datasetHover(dataset, document, range, settings);
    }
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
    const options = analysisOptions(settings);
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

  /**
   * A glob or folder used as a dataset: its shards, rows, dim and main findings. A dataset is read in
   * full, so the hover waits only briefly; the analysis goes on and the next hover shows it.
   */
  private async datasetHover(literal: DatasetLiteral, document: vscode.TextDocument, range: vscode.Range, settings: Settings): Promise<vscode.Hover | undefined> {
    const resolved = await resolveDatasetPath(literal, document);
    const md = new vscode.MarkdownString(undefined, true);
    const shown = literal.value.replace(/`/g, "'");
    if (!resolved.exists) {
      if (literal.kind === 'folder') return undefined; // a folder of other things: not ours to comment on
      md.appendMarkdown(`**Embeddings** $(warning) no file matches \`${shown}\`.\n\nLooked in: ${resolved.tried.map(t => `\`${t.replace(/`/g, "'")}\``).join(', ')}`);
      return new vscode.Hover(md, range);
    }
    const analysis = this.service.run(datasetTask(resolved.fsPath, settings, this.datasetCacheDir));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), DATASET_HOVER_WAIT_MS); });
    try {
      const report = await Promise.race([analysis, waited]);
      if (report) md.appendMarkdown(renderDatasetSummaryMarkdown(report, literal.value));
      else {
        analysis.catch(() => undefined); // reported by the next hover or the panel
        md.appendMarkdown(`**Embeddings** \`${shown}\`: a dataset; every row of every shard is being analysed. Hover again to see it.`);
      }
    } catch (e) {
      if (e instanceof AnalysisError && e.code === 'cancelled') return undefined;
      const err = asAnalysisError(e, `The analysis of ${literal.value}`);
      md.appendMarkdown(`**Embeddings** $(error) \`${shown}\` could not be analysed as a dataset (${err.code}).\n\n${escapeMarkdownText(err.message)}`);
    } finally {
      clearTimeout(timer);
    }
    const args = encodeURIComponent(JSON.stringify([resolved.fsPath]));
    md.appendMarkdown(`\n\n[$(folder-library) Open dataset report](command:${ANALYZE_FOLDER_COMMAND}?${args} "Open the Embedding Diagnostics report of this dataset")`);
    md.isTrusted = { enabledCommands: [ANALYZE_FOLDER_COMMAND] };
    return new vscode.Hover(md, range);
  }
}
