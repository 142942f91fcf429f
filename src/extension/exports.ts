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

export function savePlot(dumpPath: string, plot: string, format: 'svg' | 'png', data: string): Promise<vscode.Uri | undefined> {
  const stem = dumpPath.replace(/\.[^./\\]+$/, '');
  const bytes = format === 'svg'
    ? new TextEncoder().encode(data)
    : Uint8Array.from(Buffer.from(data.slice('data:image/png;base64,'.length), 'base64'));
  return saveWithDialog(`${stem}-${plot}.${format}`, format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] }, bytes);
}
