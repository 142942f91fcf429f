import * as vscode from 'vscode';
import type { FindingThresholds } from '../core/analysis/findings';
import { DEFAULT_THRESHOLDS } from '../core/analysis/findings';

/** The `embeddingDiagnostics.*` settings, read fresh each time so changes apply at once. */
export interface Settings {
  maxRows: number;
  seed: number;
  enableHovers: boolean;
  enableDiagnostics: boolean;
  thresholds: FindingThresholds;
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
    enableHovers: c.get<boolean>('enableHovers', true),
    enableDiagnostics: c.get<boolean>('enableDiagnostics', true),
    thresholds: {
      collapseRatio: num('thresholds.collapseRatio', DEFAULT_THRESHOLDS.collapseRatio),
      deadDimensionVariance: num('thresholds.deadDimensionVariance', DEFAULT_THRESHOLDS.deadDimensionVariance),
      duplicateRowFraction: num('thresholds.duplicateRowFraction', DEFAULT_THRESHOLDS.duplicateRowFraction),
      zeroRowFraction: num('thresholds.zeroRowFraction', DEFAULT_THRESHOLDS.zeroRowFraction),
    },
  };
}
