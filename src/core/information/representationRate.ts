/**
 * E1 nominal representation rate and E2 collision (injectivity) error of the codes at a given
 * precision, with the plug-in and Miller–Madow entropies of the codes and Fano's bound.
 */
import type { RowMatrix } from './dense';
import { CONCEPT, figure, proposed, unavailable, type Figure, type Provenance } from './figure';
import { firstOccurrence, uniqueRowIndices } from './preprocess';
import { binaryEntropyBits, LN2 } from './special';

// ---- E1 ---------------------------------------------------------------------------------

/**
 * log₂ of the alphabet size of one stored coordinate: 8 × item size for numeric dtypes,
 * 1 for bool; null for an unknown dtype name.
 */
export function bitsPerCoordinateForDtype(dtype: string): number | null {
  const table: Record<string, number> = {
    float64: 64, float32: 32, float16: 16, bfloat16: 16, float8_e4m3fn: 8, float8_e5m2: 8,
    int64: 64, int32: 32, int16: 16, int8: 8, uint64: 64, uint32: 32, uint16: 16, uint8: 8, bool: 1,
  };
  return table[dtype] ?? null;
}

/**
 * Relative spacing of the storage grid (one unit in the last place at magnitude 1) of a float
 * dtype, or 1 for integer dtypes (the grid step itself); null when unknown.
 */
export function storageUlpForDtype(dtype: string): { step: number; relative: boolean } | null {
  const mantissa: Record<string, number> = { float64: 52, float32: 23, float16: 10, bfloat16: 7, float8_e4m3fn: 3, float8_e5m2: 2 };
  if (dtype in mantissa) return { step: 2 ** -mantissa[dtype], relative: true };
  if (/^u?int\d+$/.test(dtype) || dtype === 'bool') return { step: 1, relative: false };
  return null;
}

/** R_nom per model use = d·b (bits). */
export function nominalRatePerModelUse(dim: number, bitsPerCoordinate: number): number {
  return dim * bitsPerCoordinate;
}

/** R_nom per input symbol = d·b/n (bits). */
export function nominalRatePerInputSymbol(dim: number, bitsPerCoordinate: number, inputSymbols: number): number {
  return (dim * bitsPerCoordinate) / inputSymbols;
}

const RATE_PROVENANCE: Provenance = {
  tag: '2ND-HAND',
  concept: CONCEPT.rate,
  note: 'R = q·log₂|Z|/n with q = d coordinates of a finite alphabet of b bits; the formula comes from a second-hand reading log of the paper and the reading of q, Z, n is ours. It is a nominal (deterministic) rate, not an estimate.',
};

export interface NominalRateFigures {
  perModelUse: Figure;
  perInputSymbol: Figure;
}

/** E1 as figures. `bitsSource` says where b came from (dtype, flag, manifest). */
export function nominalRateFigures(args: { dim: number; bitsPerCoordinate: number | null; inputSymbols: number | null; rows: number; bitsSource?: string }): NominalRateFigures {
  const { dim, bitsPerCoordinate: b, inputSymbols: n, rows } = args;
  const common = { kind: 'exact' as const, estimator: 'E1 nominal representation rate', rows, provenance: RATE_PROVENANCE };
  const details = { d: dim, b, n, bitsSource: args.bitsSource ?? null };
  const perModelUse = b === null
    ? unavailable({ ...common, unit: 'bits per model use', quantity: 'R_nom', formula: 'd·b', flags: ['invalid_argument'], explanation: 'The storage bits per coordinate b are unknown for this dtype; give them (--bits / manifest "bitsPerCoordinate").', details })
    : figure({ ...common, value: nominalRatePerModelUse(dim, b), unit: 'bits per model use', quantity: 'R_nom', formula: 'd·b', details });
  let perInputSymbol: Figure;
  if (b === null) {
    perInputSymbol = unavailable({ ...common, unit: 'bits per input symbol', quantity: 'R_nom', formula: 'd·b/n', flags: ['invalid_argument'], explanation: perModelUse.explanation!, details });
  } else if (n === null || !(n > 0)) {
    perInputSymbol = unavailable({ ...common, unit: 'bits per input symbol', quantity: 'R_nom', formula: 'd·b/n', flags: ['needs_input_symbols'],
      explanation: 'The number n of input symbols per model use (e.g. 784 for a 28×28 image) is needed for the per-symbol rate; give it (--input-symbols / manifest "inputSymbols"), or give the inputs X (n is then their dimension).', details });
  } else {
    perInputSymbol = figure({ ...common, value: nominalRatePerInputSymbol(dim, b, n), unit: 'bits per input symbol', quantity: 'R_nom', formula: 'd·b/n', details });
  }
  return { perModelUse, perInputSymbol };
}

// ---- E2 ---------------------------------------------------------------------------------

export interface CollisionStatistics {
  /** Δ (0 = the stored values themselves, i.e. the storage precision). */
  step: number;
  rows: number;
  /** m_X: distinct rows of X when given, else N. */
  distinctInputs: number;
  /** m_Δ: distinct codes among the rows with distinct inputs. */
  distinctCodes: number;
  /** Distinct codes among all N rows (the occupied cells of the histogram). */
  occupiedCells: number;
  /** P̂_e(Δ) = 1 − m_Δ/m_X. */
  errorProbability: number;
  /** −Σ p_c log₂ p_c, p_c = count_c/N. */
  pluginEntropy: number;
  /** Ĥ_plugin + (cells − 1)/(2N ln 2). */
  millerMadowEntropy: number;
  /** h_b(P_e) + P_e·log₂(m_X − 1), an upper bound on H(X | code) (Fano). */
  fanoBound: number;
  /** Ĥ_plugin ≥ log₂ N − 0.5: the plug-in is capped by log₂ N and says little. */
  saturated: boolean;
}

/** Codes q_Δ(z) = floor(z/Δ) coordinatewise (Δ > 0), or z itself for Δ = 0. */
export function quantize(z: RowMatrix, step: number): RowMatrix {
  if (step === 0) return z;
  if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`quantize: step must be 0 or a positive number (got ${step})`);
  const out = new Float64Array(z.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(z.data[i] / step);
  return { rows: z.rows, cols: z.cols, data: out };
}

/** E2 numbers at one step Δ. `inputs`, when given, is row-matched to z and defines distinct inputs. */
export function collisionStatistics(z: RowMatrix, step: number, inputs?: RowMatrix): CollisionStatistics {
  const n = z.rows;
  const codes = quantize(z, step);
  const first = firstOccurrence([codes]);
  const counts = new Map<number, number>();
  for (let r = 0; r < n; r++) counts.set(first[r], (counts.get(first[r]) ?? 0) + 1);
  let plugin = 0;
  for (const c of counts.values()) {
    const p = c / n;
    plugin -= p * Math.log2(p);
  }
  const occupied = counts.size;
  let distinctInputs = n;
  let distinctCodes = occupied;
  if (inputs) {
    if (inputs.rows !== n) throw new RangeError(`collisionStatistics: ${inputs.rows} input rows for ${n} embedding rows`);
    const kept = uniqueRowIndices([inputs]).kept;
    distinctInputs = kept.length;
    const seen = new Set<number>();
    for (let i = 0; i < kept.length; i++) seen.add(first[kept[i]]);
    distinctCodes = seen.size;
  }
  const pe = distinctInputs > 0 ? 1 - distinctCodes / distinctInputs : 0;
  return {
    step, rows: n, distinctInputs, distinctCodes, occupiedCells: occupied,
    errorProbability: pe,
    pluginEntropy: plugin,
    millerMadowEntropy: n > 0 ? plugin + (occupied - 1) / (2 * n * LN2) : 0,
    fanoBound: fanoBound(pe, distinctInputs),
    saturated: n > 0 && plugin >= Math.log2(n) - 0.5,
  };
}

/** Fano (Cover & Thomas Thm 2.10.1): H(X | estimate) ≤ h_b(P_e) + P_e·log₂(m − 1). */
export function fanoBound(pe: number, alphabetSize: number): number {
  return binaryEntropyBits(pe) + (alphabetSize > 1 ? pe * Math.log2(alphabetSize - 1) : 0);
}

export interface CollisionLevel {
  /** Δ, or 0 for the storage precision (the stored values as they are). */
  step: number;
  label: string;
  distinctInputs: number;
  distinctCodes: number;
  errorProbability: Figure;
  pluginEntropy: Figure;
  millerMadowEntropy: Figure;
  fanoBound: Figure;
}

const COLLISION_PROVENANCE = proposed(CONCEPT.reliability,
  'Collision error of the best decoder on the empirical source with equally likely distinct inputs; plug-in entropy with the Miller (1955) correction; Fano (Cover & Thomas 2006, Thm 2.10.1).');

/** E2 as figures at one step. */
export function collisionFigures(z: RowMatrix, step: number, inputs?: RowMatrix): CollisionLevel {
  const s = collisionStatistics(z, step, inputs);
  const label = step === 0 ? 'storage precision' : `Δ = ${step}`;
  const rows = z.rows;
  const details = { step, distinctInputs: s.distinctInputs, distinctCodes: s.distinctCodes, occupiedCells: s.occupiedCells, log2N: Math.log2(Math.max(1, rows)) };
  const satFlags = s.saturated ? (['saturated'] as const) : [];
  const satText = s.saturated ? `Saturated: Ĥ_plugin ≥ log₂ N − 0.5 = ${(Math.log2(rows) - 0.5).toPrecision(6)}; with N = ${rows} rows the plug-in entropy cannot exceed log₂ N, so it says almost nothing about the entropy of the codes (Paninski 2003).` : undefined;
  const quant = step === 0 ? 'q(Z) = Z as stored' : `q_Δ(Z) = floor(Z/Δ), Δ = ${step}`;
  return {
    step, label, distinctInputs: s.distinctInputs, distinctCodes: s.distinctCodes,
    errorProbability: figure({
      value: s.errorProbability, unit: 'probability', kind: 'exact', quantity: `P_e of the best decoder at ${label} (empirical source)`,
      estimator: 'E2 collision error', formula: `P̂_e = 1 − m_Δ/m_X; ${quant}; m_X = ${inputs ? 'distinct rows of X' : 'N (inputs assumed distinct)'}`,
      rows, provenance: COLLISION_PROVENANCE, details,
      explanation: inputs ? undefined : 'No inputs X given: every row is taken as a distinct input, so duplicate embedding rows count as collisions.',
    }),
    pluginEntropy: figure({
      value: s.pluginEntropy, unit: 'bits per model use', kind: 'estimate', quantity: `H(${quant.split(' =')[0]})`,
      estimator: 'E2 plug-in entropy of the codes', formula: '−Σ p_c log₂ p_c, p_c = count_c/N', rows, flags: [...satFlags],
      explanation: satText, provenance: COLLISION_PROVENANCE, details,
    }),
    millerMadowEntropy: figure({
      value: s.millerMadowEntropy, unit: 'bits per model use', kind: 'estimate', quantity: `H(${quant.split(' =')[0]})`,
      estimator: 'E2 plug-in entropy with Miller–Madow correction', formula: 'Ĥ_plugin + (m − 1)/(2N ln 2), m = occupied cells', rows, flags: [...satFlags],
      explanation: satText, provenance: COLLISION_PROVENANCE, details,
    }),
    fanoBound: figure({
      value: s.fanoBound, unit: 'bits per model use', kind: 'upper-bound', quantity: `H(X | ${quant.split(' =')[0]})`,
      estimator: 'E2 Fano bound', formula: 'h_b(P̂_e) + P̂_e·log₂(m_X − 1)', rows, provenance: COLLISION_PROVENANCE, details,
    }),
  };
}

/**
 * Default steps: the storage precision (0), then Δ = s·2^j for j = −6 … 2, with s the root
 * mean column variance of Z (so the grid follows the data's scale).
 */
export function defaultCollisionSteps(z: RowMatrix, variances: ArrayLike<number>): number[] {
  let mean = 0;
  for (let j = 0; j < variances.length; j++) mean += variances[j];
  mean /= Math.max(1, variances.length);
  const s = Math.sqrt(mean);
  if (!(s > 0) || !Number.isFinite(s) || z.rows === 0) return [0];
  const steps = [0];
  for (let j = -6; j <= 2; j++) steps.push(Number((s * 2 ** j).toPrecision(6)));
  return steps;
}

// ---- target injectivity (addendum: the checkable precondition of Theorem 6) ----------------------

export interface TargetInjectivityLevel {
  /** Δ applied to Y (0 = the stored values). */
  step: number;
  label: string;
  /** m_X: distinct rows of X when given, else N. */
  distinctInputs: number;
  /** Distinct q_Δ(Y) among the rows with distinct inputs. */
  distinctTargets: number;
  /** 1 − distinctTargets / distinctInputs: the collision rate of Y among distinct X. */
  collisionRate: Figure;
}

const INJECTIVITY_PROVENANCE = proposed(CONCEPT.bijective,
  'Distinct inputs against distinct targets at a stated precision: the collision rate of Y among distinct X. Zero means X → Y is injective on the sample at that precision (necessary for a bijective map, not sufficient for the theorem, which also needs a stationary source and enough data).');

/**
 * The target-injectivity diagnostic at one step Δ of Y: the E2 collision count applied to the
 * targets instead of the codes (same decoder argument: a target shared by two distinct inputs
 * cannot tell them apart).
 */
export function targetInjectivityLevel(y: RowMatrix, step: number, inputs?: RowMatrix): TargetInjectivityLevel {
  const s = collisionStatistics(y, step, inputs);
  const label = step === 0 ? 'storage precision of Y' : `Δ_Y = ${step}`;
  const quant = step === 0 ? 'Y as stored' : `q_Δ(Y) = floor(Y/Δ), Δ = ${step}`;
  const collides = s.errorProbability > 0;
  return {
    step, label, distinctInputs: s.distinctInputs, distinctTargets: s.distinctCodes,
    collisionRate: figure({
      value: s.errorProbability, unit: 'probability', kind: 'exact',
      quantity: inputs ? `Collision rate of Y among distinct X at ${label}` : `Collision rate of Y among rows (inputs assumed distinct) at ${label}`,
      estimator: 'Target injectivity (Theorem 6 precondition)', formula: `1 − m_Y/m_X; ${quant}; m_X = ${inputs ? 'distinct rows of X' : 'N'}`,
      rows: y.rows, provenance: INJECTIVITY_PROVENANCE,
      flags: [...(collides ? (['target_collisions'] as const) : []), ...(inputs ? [] : (['inputs_assumed_distinct'] as const))],
      explanation: (collides
        ? `${s.distinctInputs - s.distinctCodes} of ${s.distinctInputs} distinct inputs share their target with another input at ${label}: X → Y is not injective on this sample, so the bijective-map precondition of Theorem 6 fails at this precision.`
        : `Every distinct input has its own target at ${label}: X → Y is injective on this sample at this precision.`)
        + (inputs ? '' : ' No inputs X given: every row is taken as a distinct input, so repeated inputs with equal targets count as collisions.'),
      details: { step, distinctInputs: s.distinctInputs, distinctTargets: s.distinctCodes },
    }),
  };
}
