/**
 * The one shape every information-theoretic number is reported in. A figure says what it is
 * a number OF (quantity), in which unit, whether it is an estimate or a bound, which of our
 * estimators produced it (E1–E10 of the spec built from arXiv 2601.11334), how many rows went
 * in, and where the idea comes from: the paper itself, or a standard estimator we chose.
 *
 * A figure that cannot be computed (rank-deficient covariance, duplicates for k-NN, singular
 * noise covariance, missing inputs, ...) has value null, one or more flags and an explanation.
 * Values are never NaN or ±Infinity, so a report is always valid JSON.
 */

export type FigureKind = 'estimate' | 'upper-bound' | 'lower-bound' | 'exact';

export type InformationUnit =
  | 'bits per model use'
  | 'bits per coordinate'
  | 'bits per input symbol'
  | 'bits per output coordinate'
  | 'probability'
  | 'total squared error (output units²)'
  | 'count'
  | 'ratio';

/**
 * PAPER: a claim arXiv 2601.11334 makes in its readable text (abstract, introduction).
 * 2ND-HAND: a formula known only from a second-hand reading log of the paper.
 * PROPOSED: a standard, cited estimator chosen by us; the paper's own estimator is unknown.
 */
export type ProvenanceTag = 'PAPER' | '2ND-HAND' | 'PROPOSED';

export interface Provenance {
  tag: ProvenanceTag;
  /** The paper concept this figure speaks to, with what is known about it. */
  concept: string;
  /** Where the estimator comes from (citation) and what it assumes. */
  note: string;
}

/** Stable flag names (the spec's §4.3 names where it has one). */
export type InformationFlag =
  | 'rank_deficient' | 'n_le_d' | 'dead_columns_removed' | 'duplicates_removed' | 'zero_distance'
  | 'saturated' | 'gaussian_bound' | 'singular_noise_covariance' | 'noise_floor_added'
  | 'mismatched_rows' | 'projected' | 'subsampled' | 'small_n_bias' | 'needs_input_symbols'
  | 'needs_perturbed' | 'needs_inputs' | 'needs_targets' | 'needs_predictions' | 'needs_noise_model'
  | 'needs_distortion' | 'needs_labels' | 'source_is_embeddings' | 'row_order_unverified'
  | 'approximation' | 'not_certified' | 'binned_targets' | 'not_converged' | 'invalid_argument'
  | 'non_finite_rows_dropped' | 'sampled' | 'target_collisions' | 'inputs_assumed_distinct';

/**
 * The two readings of n in the spec (§1.3): (A) n counts model uses in a block, so the rate is
 * d·b bits per model use, the primary unit here; (B) n counts input symbols per model use
 * (e.g. 784 pixels), so figures per input symbol divide by n. The paper's phrase "bits per
 * input (model-use) symbol" leans towards (A); per-input-symbol values are reading (B) and are
 * labelled so wherever they appear.
 */
export const PER_SYMBOL_READING = 'B' as const;

export const UNITS_NOTE = 'Primary unit: bits per model use (one embedding vector, one row; reading (A) of n in the spec, which the paper\'s phrase "bits per input (model-use) symbol" leans towards). '
  + 'Bits per input symbol divide by n, the input symbols per model use: that is reading (B) of n, a labelled secondary unit that is not established as the paper\'s.';

/** A unit in words, with the reading of n for per-input-symbol values: 'bits per input symbol (reading B)'. */
export function unitLabel(unit: InformationUnit | string): string {
  return unit === 'bits per input symbol' ? `bits per input symbol (reading ${PER_SYMBOL_READING})` : unit;
}

export interface NormalizedValue {
  unit: InformationUnit;
  /** 'B' on per-input-symbol values: n read as input symbols per model use (spec §1.3). */
  reading?: typeof PER_SYMBOL_READING;
  value: number | null;
  /** value = primary value × factor (1/d per coordinate, 1/n per input symbol, n per model use from per symbol); 0 when unknown. */
  factor: number;
}

export interface Figure {
  value: number | null;
  unit: InformationUnit;
  kind: FigureKind;
  /** The quantity the value estimates or bounds, e.g. 'h(Z)', 'I(Z;Z̃) (≤ C)', 'R(D)'. */
  quantity: string;
  /** Estimator id and name, e.g. 'E3 Gaussian log-det (UMVU)'. */
  estimator: string;
  /** The formula, plain text with Unicode. */
  formula: string;
  /** Rows that entered this figure (after dropping, deduplication, subsampling). */
  rows: number;
  flags: InformationFlag[];
  /** 'B' when the primary unit is bits per input symbol (reading (B) of n, spec §1.3). */
  reading?: typeof PER_SYMBOL_READING;
  /** Why a value is null, or what a flag means for this figure. */
  explanation?: string;
  provenance: Provenance;
  /** The same figure in other units (per coordinate ÷ d, per input symbol ÷ n). */
  normalized?: NormalizedValue[];
  /** Secondary numbers (eigenvalues, θ, ν, k, projection dimension, ...). */
  details?: Record<string, number | string | boolean | null | number[]>;
}

export interface FigureInit {
  value: number | null;
  unit: InformationUnit;
  kind: FigureKind;
  quantity: string;
  estimator: string;
  formula: string;
  rows: number;
  provenance: Provenance;
  flags?: InformationFlag[];
  explanation?: string;
  details?: Record<string, number | string | boolean | null | number[]>;
}

/** Builds a figure; a non-finite value becomes null (its explanation should say why). */
export function figure(init: FigureInit): Figure {
  const value = init.value !== null && Number.isFinite(init.value) ? init.value : null;
  const f: Figure = {
    value,
    unit: init.unit,
    kind: init.kind,
    quantity: init.quantity,
    estimator: init.estimator,
    formula: init.formula,
    rows: init.rows,
    flags: [...new Set(init.flags ?? [])],
    provenance: init.provenance,
  };
  if (init.unit === 'bits per input symbol') f.reading = PER_SYMBOL_READING;
  if (init.explanation) f.explanation = init.explanation;
  else if (value === null) f.explanation = 'Not computable on this data (no finite value).';
  if (init.details) f.details = sanitiseDetails(init.details);
  return f;
}

/** A figure that could not be computed: value null, its flags and the reason. */
export function unavailable(init: Omit<FigureInit, 'value'> & { explanation: string; flags: InformationFlag[] }): Figure {
  return figure({ ...init, value: null });
}

/**
 * Adds the per-coordinate (÷ dim) and/or per-input-symbol (÷ n) forms. When n is unknown the
 * per-symbol value is null and the figure is flagged needs_input_symbols.
 */
export function withNormalizations(f: Figure, opts: { dim?: number; inputSymbols?: number | null; perSymbol?: boolean }): Figure {
  const normalized: NormalizedValue[] = f.normalized ? [...f.normalized] : [];
  if (opts.dim !== undefined && opts.dim > 0) {
    normalized.push({ unit: 'bits per coordinate', value: f.value === null ? null : f.value / opts.dim, factor: 1 / opts.dim });
  }
  if (opts.perSymbol) {
    const n = opts.inputSymbols ?? null;
    if (n !== null && n > 0) {
      normalized.push(perSymbolValue(f.value === null ? null : f.value / n, 1 / n));
    } else {
      normalized.push(perSymbolValue(null, 0));
      if (!f.flags.includes('needs_input_symbols')) f.flags.push('needs_input_symbols');
    }
  }
  if (normalized.length) f.normalized = normalized;
  return f;
}

/** A per-input-symbol normalisation, labelled with its reading of n. */
export function perSymbolValue(value: number | null, factor: number): NormalizedValue {
  return { unit: 'bits per input symbol', reading: PER_SYMBOL_READING, value, factor };
}

/** The value of a figure in a given unit (its primary unit or a normalisation), or null. */
export function valueIn(f: Figure | null | undefined, unit: InformationUnit): number | null {
  if (!f) return null;
  if (f.unit === unit) return f.value;
  return f.normalized?.find(n => n.unit === unit)?.value ?? null;
}

function sanitiseDetails(d: Record<string, number | string | boolean | null | number[]>): Record<string, number | string | boolean | null | number[]> {
  const out: Record<string, number | string | boolean | null | number[]> = {};
  for (const [k, v] of Object.entries(d)) {
    if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : null;
    else if (Array.isArray(v)) out[k] = v.map(x => (Number.isFinite(x) ? x : NaN)).filter(x => !Number.isNaN(x));
    else out[k] = v;
  }
  return out;
}

// ---- Provenance strings shared by the modules -------------------------------------------

export const PAPER_REF = 'Pereg & Wand, "Information Theoretic Perspective on Representation Learning", arXiv 2601.11334';

export const CONCEPT = {
  rate: 'Representation-rate (Theorem 6 of the paper) [PAPER: defined, limit set by the input-source entropy; formula R = q·log₂|Z|/n known only second-hand]',
  bijective: 'Bijective input→output map, the precondition of the representation rate theorem (Theorem 6) [PAPER: "learned representations of bijective mappings"; checkable on saved data only as injectivity of X → Y on the sample]',
  reliability: 'Reliable representation of the source (Theorem 6 setting) [PAPER concept; statement RECONSTRUCTED]',
  entropy: 'Entropy of the representation [RECONSTRUCTED from the paper\'s vocabulary; the paper\'s estimator is unknown]',
  sourceEntropy: 'Input-source entropy H(X), the threshold of Theorem 6 [PAPER: the limit is fixed by the source entropy]',
  capacity: 'Representation capacity in a perturbed input environment (Theorem 8) [PAPER: maximal rate in bits per input symbol with vanishing error; statement RECONSTRUCTED as C = max I(X;X̃)]',
  rateDistortion: 'Representation rate–distortion of a compressed output [PAPER: defined; statement RECONSTRUCTED as R(D) = min I(Y;Ŷ), MSE distortion assumed]',
  unified: 'Unified setting combining capacity and rate–distortion [PAPER: results combined; statement RECONSTRUCTED as source–channel separation R(D) < C]',
  measurementNoise: '"Measurement-noise bits" [2ND-HAND: named in a reading log of the paper, not defined there; the nearest computable quantity is the entropy of the perturbation at embedding level]',
  collapse: 'Neural collapse, which the paper says is not necessarily advantageous for regression [PAPER: introduction]',
} as const;

export function proposed(concept: string, note: string): Provenance {
  return { tag: 'PROPOSED', concept, note: `${note} Our estimator, not the paper's (${PAPER_REF}: only its abstract and introduction were readable).` };
}

// ---- walking the figures (panel tables, tests) ----------------------------------------------
// Here, not in informationReport.ts, because the webview walks reports too and must not pull in
// the modules that read files.

/** Every figure of a report with its JSON path, e.g. 'capacity.perturbed.cca', in report order (the R(D) curve, inputs and problems are not figures). */
export function listFigures(report: object): { path: string; figure: Figure }[] {
  const out: { path: string; figure: Figure }[] = [];
  const walk = (v: unknown, path: string) => {
    if (!v || typeof v !== 'object') return;
    if (isFigure(v)) {
      out.push({ path, figure: v });
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (k === 'curve' || k === 'inputs' || k === 'problems') continue;
      walk(x, path ? `${path}.${k}` : k);
    }
  };
  walk(report, '');
  return out;
}

function isFigure(v: object): v is Figure {
  return 'estimator' in v && 'kind' in v && 'unit' in v && 'value' in v && 'provenance' in v;
}
