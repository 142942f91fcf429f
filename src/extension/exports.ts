import * as vscode from 'vscode';
import * as path from 'node:path';
import type { AnalysisReport } from '../core/report/analysisReport';
import { renderMarkdown } from '../core/report/renderText';
import { reportToJson } from '../core/report/reportJson';

/** Save dialogs for reports and plots; files go where the user says, next to the dump by default. */

async function saveWithDialog(defaultPath: string, filters: Record<string, string[]>, bytes: Uint8Array): Promise<vscode.Uri | undefined> {
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(defaultPath), filters });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, bytes);
  vscode.window.setStatusBarMessage(`$(check) Saved ${path.basename(target.fsPath)}`, 4000);
  return target;
}

export function saveReportAs(report: AnalysisReport, format: 'markdown' | 'json'): Promise<vscode.Uri | undefined> {
  const stem = report.file.replace(/\.[^./\\]+$/, '');
  return format === 'markdown'
    ? saveWithDialog(`${stem}.report.md`, { Markdown: ['md'] }, new TextEncoder().encode(renderMarkdown(report)))
    : saveWithDialog(`${stem}.report.json`, { JSON: ['json'] }, new TextEncoder().encode(reportToJson(report)));
}

const PLOT_FILTERS: Record<'svg' | 'png' | 'csv', Record<string, string[]>> = { svg: { SVG: ['svg'] }, png: { PNG: ['png'] }, csv: { CSV: ['csv'] } };

/** A plot as SVG text, a PNG data: URL, or its data as CSV text, saved as `<dump stem>-<plot>.<format>`. */
export function savePlot(dumpPath: string, plot: string, format: 'svg' | 'png' | 'csv', data: string): Promise<vscode.Uri | undefined> {
  const stem = dumpPath.replace(/\.[^./\\]+$/, '');
  const bytes = format === 'png'
    ? Uint8Array.from(Buffer.from(data.slice('data:image/png;base64,'.length), 'base64'))
    : new TextEncoder().encode(data);
  return saveWithDialog(`${stem}-${plot}.${format}`, PLOT_FILTERS[format], bytes);
}
