import * as vscode from 'vscode';
import type { FindingThresholds } from '../core/analysis/findings';
import { DEFAULT_THRESHOLDS } from '../core/analysis/findings';
import { DEFAULT_PROJECTION_ROWS } from '../core/report/projection';
import type { AnalyzeOptions } from '../core/analysis/analyzeDump';

/** The `embeddingDiagnostics.*` settings, read fresh each time so changes apply at once. */
export interface Settings {
  maxRows: number;
  seed: number;
  /** Rows of the report's projection (0: none). */
  projectionRows: number;
  enableHovers: boolean;
  enableDiagnostics: boolean;
  /** Information estimates without being asked, when a companion array or a sidecar manifest is there (CLI: --no-information turns them off). */
  informationByDefault: boolean;
  thresholds: FindingThresholds & { collisionError: number };
  /** Finding codes not shown as diagnostics, per dump path (workspace-relative, or absolute outside a workspace). */
  suppressedFindings: Record<string, string[]>;
}

export const SECTION = 'embeddingDiagnostics';

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const int = (key: string, fallback: number, min: number) => {
    const v = c.get<number>(key, fallback);
    return Number.isSafeInteger(v) && v >= min ? v : fallback;
  };
  const num = (key: string, fallback: number) => {
    const v = c.get<number>(key, fallback);
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
  };
  return {
    maxRows: int('maxRows', 100_000, 2),
    seed: int('seed', 0, 0),
    projectionRows: int('projectionRows', DEFAULT_PROJECTION_ROWS, 0),
    enableHovers: c.get<boolean>('enableHovers', true),
    enableDiagnostics: c.get<boolean>('enableDiagnostics', true),
    informationByDefault: c.get<boolean>('informationByDefault', true),
    suppressedFindings: sanitizeSuppressions(c.get<unknown>('suppressedFindings', {})),
    thresholds: {
      collapseRatio: num('thresholds.collapseRatio', DEFAULT_THRESHOLDS.collapseRatio),
      deadDimensionVariance: num('thresholds.deadDimensionVariance', DEFAULT_THRESHOLDS.deadDimensionVariance),
      duplicateRowFraction: num('thresholds.duplicateRowFraction', DEFAULT_THRESHOLDS.duplicateRowFraction),
      zeroRowFraction: num('thresholds.zeroRowFraction', DEFAULT_THRESHOLDS.zeroRowFraction),
      outlierZ: num('thresholds.outlierZ', DEFAULT_THRESHOLDS.outlierZ),
      collisionError: num('thresholds.collisionError', 0.01),
    },
  };
}

/** The analysis options of a single dump from the settings (one object everywhere: it is part of the cache key). */
export function analysisOptions(s: Settings): AnalyzeOptions {
  return { maxRows: s.maxRows, seed: s.seed, thresholds: s.thresholds, projectionRows: s.projectionRows };
}

function sanitizeSuppressions(v: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, codes] of Object.entries(v)) {
    if (Array.isArray(codes)) out[k] = codes.filter((c): c is string => typeof c === 'string');
  }
  return out;
}

/** The key a dump has in `suppressedFindings`. */
export function suppressionKey(fsPath: string): string {
  return vscode.workspace.asRelativePath(fsPath, false);
}

/** Adds `code` to the suppressions of `fsPath`, in the workspace settings when there is a workspace. */
export async function suppressFinding(fsPath: string, code: string): Promise<void> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const current = sanitizeSuppressions(c.get<unknown>('suppressedFindings', {}));
  const key = suppressionKey(fsPath);
  current[key] = [...new Set([...(current[key] ?? []), code])].sort();
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await c.update('suppressedFindings', current, target);
}
