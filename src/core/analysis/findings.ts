import type { Finding, HealthSection, SpectrumMetrics } from '../report/analysisReport';
import { formatNumber, formatPercent, formatShape } from '../report/format';
import type { RowIndices, RowList } from '../stats/rowIndices';
import { MAD_FLOOR_OF_MEDIAN, OUTLIER_SHARE_MAX, type OutlierRows } from './outlierRows';

/** User-tunable thresholds (settings `embeddingDiagnostics.thresholds.*`, CLI flags). */
export interface FindingThresholds {
  /** Report a collapsed spectrum when effective rank / dim is below this. */
  collapseRatio: number;
  /** A dimension with variance at or below this is dead. */
  deadDimensionVariance: number;
  /** Report duplicates when duplicateRows / rowsUsed exceeds this. */
  duplicateRowFraction: number;
  /** Report all-zero rows when zeroRows / rowsUsed exceeds this. */
  zeroRowFraction: number;
  /** Flag a row as an outlier when the robust z-score of its norm exceeds this (see outlierRows.ts). */
  outlierZ: number;
}

export const DEFAULT_THRESHOLDS: FindingThresholds = {
  collapseRatio: 0.1,
  deadDimensionVariance: 1e-12,
  duplicateRowFraction: 0,
  zeroRowFraction: 0,
  outlierZ: 6,
};

export interface FindingInputs {
  rowsTotal: number;
  rowsUsed: number;
  rowsInStatistics: number;
  dim: number;
  sampled: boolean;
  seed: number;
  health: HealthSection;
  metrics: SpectrumMetrics | null;
  /** The array's shape, for the message about an empty one. */
  shape?: readonly number[];
  /** The first null rows read (0-based, ascending; health.nullRows counts them all). */
  nullRowIndices?: readonly number[];
  /** Which rows are NaN, ±Inf, zero and duplicates (the counts are health's). */
  /** The rows behind the row-level findings; a dataset's merged partial has no duplicate list or finite runs. */
  rowIndices?: Partial<RowIndices>;
  /** The outlier rows by the robust z-score of the norm (null: too few rows to tell). */
  outliers?: OutlierRows | null;
}

/** Null row indices printed in a message; the finding's `rows` holds up to 100. */
const NULL_ROWS_SHOWN = 10;
/** Row indices kept in a finding's `rows`. */
const ROWS_KEPT = 100;

/** `rows` and `rowCount` of a row-level finding, and its first rows for the message. */
function rowFields(list: RowList | undefined, count: number): { rows?: number[]; rowCount: number; shown: string } {
  if (!list) return { rowCount: count, shown: '' };
  const rows = list.first.slice(0, ROWS_KEPT);
  const more = count > Math.min(rows.length, NULL_ROWS_SHOWN) ? ', …' : '';
  return { rows, rowCount: count, shown: ` First rows (0-based): ${rows.slice(0, NULL_ROWS_SHOWN).join(', ')}${more}.` };
}

const pct = (part: number, whole: number) => (whole > 0 ? formatPercent(part / whole) : '0%');

/** Turns the measured health and spectrum into findings that say what is wrong and what to do. */
export function deriveFindings(x: FindingInputs, t: FindingThresholds): Finding[] {
  const out: Finding[] = [];
  const { health: h, rowsUsed } = x;
  const ofRows = x.sampled ? `among the ${rowsUsed} rows read (a sample of ${x.rowsTotal})` : `of ${rowsUsed} rows`;
  const ri = x.rowIndices;

  const nullRows = h.nullRows ?? 0;
  const noRows = x.rowsTotal === 0 || (rowsUsed > 0 && nullRows === rowsUsed);
  if (x.rowsTotal === 0) {
    out.push({ code: 'no-rows', severity: 'error', message:
      `The array has no rows${x.shape ? ` (shape ${formatShape(x.shape)})` : ''}: there is nothing to analyse. ` +
      'An empty dump usually means the export ran before any batch was written, or a filter removed every row; check the step that writes it.' });
  } else if (noRows) {
    out.push({ code: 'no-rows', severity: 'error', message:
      `Every one of the ${rowsUsed} rows ${x.sampled ? 'read' : 'of the array'} is null (a missing row, not a vector): there is nothing to analyse. Check the step that fills the column.` });
  }
  if (nullRows > 0) {
    const indices = x.nullRowIndices ?? [];
    const shown = indices.slice(0, NULL_ROWS_SHOWN).join(', ') + (nullRows > Math.min(indices.length, NULL_ROWS_SHOWN) ? ', …' : '');
    out.push({ code: 'null-rows', severity: 'warning', rows: indices.slice(0, ROWS_KEPT), rowCount: nullRows, message:
      `${nullRows} ${ofRows} (${pct(nullRows, rowsUsed)}) are null: missing rows, not vectors. They are left out of every statistic. ` +
      `First null rows (0-based): ${shown}. Fill them, or drop them before use if they are expected (say, items the model never saw).` });
  }
  if (h.nanRows > 0) {
    const { shown, ...rows } = rowFields(ri?.nan, h.nanRows);
    out.push({ code: 'nan-rows', severity: 'error', ...rows, message:
      `${h.nanRows} ${ofRows} (${pct(h.nanRows, rowsUsed)}) contain NaN. They are left out of every statistic.${shown} ` +
      'Find where the model or the export produced them (a division by zero, an exploding loss, masked tokens averaged over zero items), or drop them before use.' });
  }
  if (h.infRows > 0) {
    const { shown, ...rows } = rowFields(ri?.inf, h.infRows);
    out.push({ code: 'inf-rows', severity: 'error', ...rows, message:
      `${h.infRows} ${ofRows} (${pct(h.infRows, rowsUsed)}) contain ±Infinity. They are left out of every statistic.${shown} ` +
      'Check for overflow (float16 exports of large activations overflow above 65504) or an unnormalised division.' });
  }
  if (h.zeroRows > 0 && h.zeroRows / rowsUsed > t.zeroRowFraction) {
    const { shown, ...rows } = rowFields(ri?.zero, h.zeroRows);
    out.push({ code: 'zero-rows', severity: 'warning', ...rows, message:
      `${h.zeroRows} ${ofRows} (${pct(h.zeroRows, rowsUsed)}) are all zeros.${shown} Usually padding, an unfilled pre-allocated buffer, or inputs that never went through the model; remove them or fill them.` });
  }
  if (h.duplicateRows > 0 && h.duplicateRows / rowsUsed > t.duplicateRowFraction) {
    const d = ri?.duplicate;
    const kept = d ? d.first.slice(0, ROWS_KEPT) : [];
    const pairs = kept.slice(0, NULL_ROWS_SHOWN).map((r, i) => `${r} repeats ${d!.repeats[i]}`).join(', ') + (h.duplicateRows > Math.min(kept.length, NULL_ROWS_SHOWN) ? ', …' : '');
    out.push({ code: 'duplicate-rows', severity: 'warning', ...(d ? { rows: kept, repeats: d.repeats.slice(0, ROWS_KEPT) } : {}), rowCount: h.duplicateRows, message:
      `${h.duplicateRows} ${ofRows} (${pct(h.duplicateRows, rowsUsed)}) repeat an earlier row exactly.${d ? ` First (0-based): ${pairs}.` : ''} Check for duplicated inputs or a dataloader that repeats a batch; duplicates bias nearest-neighbour and entropy estimates.` });
  }
  const o = x.outliers;
  if (o && o.rows.length > 0) {
    const rows = o.rows.slice(0, ROWS_KEPT);
    const shown = rows.slice(0, NULL_ROWS_SHOWN).join(', ') + (o.rows.length > NULL_ROWS_SHOWN ? ', …' : '');
    const capped = o.exceeding > o.rows.length ? ` ${o.exceeding} rows exceed the threshold; only the ${o.rows.length} farthest are flagged.` : '';
    out.push({ code: 'outlier-rows', severity: 'information', rows, rowCount: o.rows.length, message:
      `${o.rows.length} ${ofRows} (${pct(o.rows.length, rowsUsed)}) are outliers by their norm: robust z-score |norm − median| / (1.4826 × MAD) above ${o.z} ` +
      `(median ${formatNumber(o.median)}, MAD ${formatNumber(o.mad)} over the ${o.finiteRows} finite rows; the scale is at least ${formatPercent(MAD_FLOOR_OF_MEDIAN)} of the median; all-zero rows are not counted here). ` +
      `By construction at most ${formatPercent(OUTLIER_SHARE_MAX)} of the finite rows are flagged (the farthest, when more exceed the threshold).${capped} First rows (0-based): ${shown}. ` +
      'Look at what these inputs were (very long or empty texts, corrupted images, another model\'s vectors mixed in) before trusting distances to them.' });
  }
  if (h.deadDims > 0) {
    const shown = h.deadDimIndices.slice(0, 10).join(', ') + (h.deadDims > 10 ? ', …' : '');
    out.push({ code: 'dead-dims', severity: 'warning', message:
      `${h.deadDims} of ${x.dim} dimensions are constant (variance ≤ ${t.deadDimensionVariance}): ${shown}. They carry no information; look for dead ReLU units or a projection that zeroes them.` });
  }
  if (noRows) {
    // said above: no rows at all
  } else if (x.rowsInStatistics >= 2 && x.rowsInStatistics <= x.dim) {
    out.push({ code: 'too-few-rows', severity: 'information', message:
      `Only ${x.rowsInStatistics} finite rows for ${x.dim} dimensions: the sample covariance has rank at most ${x.rowsInStatistics - 1}, so rank and spectrum figures are limited by the row count, not by the embedding.` });
  } else if (x.rowsInStatistics < 2) {
    out.push({ code: 'too-few-rows', severity: 'warning', message:
      `Only ${x.rowsInStatistics} finite row${x.rowsInStatistics === 1 ? '' : 's'}: a covariance needs at least 2, so no spectrum or rank can be computed.` });
  }
  if (x.metrics && x.dim > 1 && x.metrics.totalVariance > 0) {
    const ratio = x.metrics.effectiveRank / x.dim;
    if (ratio < t.collapseRatio) {
      out.push({ code: 'collapsed-spectrum', severity: 'warning', message:
        `Effective rank ${x.metrics.effectiveRank.toPrecision(3)} is ${pct(x.metrics.effectiveRank, x.dim)} of the ${x.dim} dimensions (threshold ${pct(t.collapseRatio, 1)}): the embeddings occupy few directions (dimensional collapse). ` +
        'Check for representation collapse in training (e.g. missing negatives or too strong a regulariser) or a bottleneck layer.' });
    }
  } else if (x.metrics && x.metrics.totalVariance === 0 && x.rowsInStatistics >= 2) {
    out.push({ code: 'collapsed-spectrum', severity: 'warning', message:
      'Every finite row is identical: the embeddings have zero variance (complete collapse).' });
  }
  if (x.sampled) {
    out.push({ code: 'sampled', severity: 'information', message:
      `Analysed a uniform random sample of ${rowsUsed} of ${x.rowsTotal} rows (seed ${x.seed}). Raise embeddingDiagnostics.maxRows (or --max-rows) to analyse every row.` });
  }
  return out;
}
