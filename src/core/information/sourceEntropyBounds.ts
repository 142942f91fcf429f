/**
 * E6 upper bounds on the source entropy per input symbol (the threshold of the paper's
 * Theorem 6, reconstructed as R* = H(X)). No reliable LOWER bound on a high-dimensional entropy
 * can be obtained from samples (plug-in caps at log₂ N; McAllester & Stratos 2020), so only
 * upper bounds are given:
 *   • Gaussian maximum-entropy bound h(X)/n ≤ ĥ_G(X)/n (differential);
 *   • for inputs quantized with step δ: H(X)/n ≲ [ĥ_G(X) − n·log₂ δ]/n (fine-quantization
 *     approximation, Cover & Thomas Thm 8.3.1);
 *   • compressor bound: the deflate-compressed size of X in its stored dtype, in bits per symbol
 *     (any lossless code is ≥ H in expectation, Kraft).
 */
import { deflateRawSync } from 'node:zlib';
import { symmetricEigenvalues } from '../linalg/symmetricEigenvalues';
import { covariance, diagonal, selectColumns, type RowMatrix } from './dense';
import { CONCEPT, figure, perSymbolValue, proposed, unavailable, type Figure, type InformationFlag } from './figure';
import { gaussianEntropyFromEigenvaluesBits } from './gaussianEntropy';
import { deadColumns, numericalRank } from './preprocess';

/** Bits per symbol of X after raw-deflate (level 9) of its values encoded in `dtype`; null for dtypes we do not re-encode. */
export function compressedBitsPerSymbol(x: RowMatrix, dtype: string): number | null {
  const bytes = encode(x.data, dtype);
  if (!bytes || x.data.length === 0) return null;
  const packed = deflateRawSync(bytes, { level: 9 });
  return (8 * packed.length) / x.data.length;
}

function encode(v: Float64Array, dtype: string): Uint8Array | null {
  const ctor: Record<string, { new (n: number): ArrayLike<number> & { buffer: ArrayBufferLike; [i: number]: number } }> = {
    uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array, uint32: Uint32Array, int32: Int32Array,
    float32: Float32Array, float64: Float64Array,
  };
  const C = ctor[dtype];
  if (!C) return dtype === 'bool' ? Uint8Array.from(v, x => (x ? 1 : 0)) : null;
  const out = new C(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i];
  return new Uint8Array(out.buffer);
}

export interface SourceEntropyBounds {
  /** n, the number of input symbols per model use (columns of X). */
  inputSymbols: number;
  /** Quantization step δ of the inputs used by the discrete bound (null when unknown). */
  inputStep: number | null;
  /** ĥ_G(X)/n: upper bound on the differential entropy per symbol. */
  gaussianDifferential: Figure;
  /** [ĥ_G(X) − n·log₂ δ]/n: approximate upper bound on H(X)/n for quantized inputs. */
  gaussianQuantized: Figure;
  /** Deflate bits per symbol of X as stored. */
  compressor: Figure;
  /** The smallest of the discrete upper bounds (per input symbol). */
  best: Figure;
  /** R_nom − H_upper(X) per model use (set by the report): positive ⇒ the reconstructed Theorem 6 condition R > H(X) holds. */
  rateMargin?: Figure;
}

/**
 * E1 against E6: R_nom − H_upper(X), bits per model use (H_upper = best per-symbol bound × n_X).
 * Since H_upper ≥ H(X), this is a lower bound on R_nom − H(X); when positive, the achievability
 * condition R > H(X) of the reconstructed Theorem 6 holds. Nothing can be said when negative
 * (no sample-based lower bound on H(X) exists).
 */
export function representationRateMargin(nominalPerModelUse: Figure, best: Figure, inputColumns: number, inputSymbols: number | null): Figure {
  const base = {
    unit: 'bits per model use' as const, kind: 'lower-bound' as const, quantity: 'R_nom − H(X)', estimator: 'E1 − E6 representation-rate margin',
    formula: 'd·b − n·H_upper(X)/n', rows: best.rows,
    provenance: proposed(CONCEPT.rate, 'Nominal rate (E1) against an upper bound on the source entropy (E6), the threshold R* = H(X) of the reconstructed Theorem 6.'),
  };
  if (nominalPerModelUse.value === null || best.value === null) {
    return unavailable({ ...base, flags: ['invalid_argument'], explanation: 'Needs the nominal rate (E1) and a discrete upper bound on H(X) (E6).' });
  }
  const margin = nominalPerModelUse.value - best.value * inputColumns;
  const f = figure({
    ...base, value: margin, flags: margin > 0 ? [] : ['not_certified'],
    explanation: margin > 0
      ? `R_nom = ${nominalPerModelUse.value} bits exceeds the upper bound ${Number((best.value * inputColumns).toPrecision(6))} bits on H(X) per model use (${best.estimator}): the achievability condition R > H(X) of the reconstructed Theorem 6 holds (a code exists; whether a trained model finds it is another matter).`
      : 'The upper bound on H(X) exceeds the nominal rate: inconclusive, since H(X) itself may be much smaller than its bound.',
    details: { nominal: nominalPerModelUse.value, entropyUpperBound: best.value * inputColumns },
  });
  if (inputSymbols !== null && inputSymbols > 0) f.normalized = [perSymbolValue(margin / inputSymbols, 1 / inputSymbols)];
  return f;
}

const E6_PROVENANCE = proposed(CONCEPT.sourceEntropy,
  'Upper bounds only: Gaussian maximum entropy (Cover & Thomas 2006, Thm 8.6.5 and Thm 8.3.1 for quantization) and a lossless compressor (Kraft inequality). The paper\'s own estimator of H(X) is unknown.');

/** E6 from the inputs X (finite rows). `dtype` is X's stored dtype, `inputStep` its quantization step δ. */
export function sourceEntropyBounds(x: RowMatrix, dtype: string, inputStep: number | null): SourceEntropyBounds {
  const n = x.cols;
  const rows = x.rows;
  const cov = covariance(x);
  const dead = deadColumns(diagonal(cov, n));
  const deadSet = new Set(dead);
  const live = Array.from({ length: n }, (_, j) => j).filter(j => !deadSet.has(j));
  const xl = selectColumns(x, live);
  const eig = rows >= 2 ? symmetricEigenvalues(covariance(xl), live.length) : new Float64Array(live.length).fill(NaN);
  const r = numericalRank(eig);
  const full = r === live.length && rows > live.length;
  const hG = full ? gaussianEntropyFromEigenvaluesBits(eig) : NaN;
  const deadFlags: InformationFlag[] = dead.length ? ['dead_columns_removed'] : [];
  const deadText = dead.length ? ` ${dead.length} constant input column(s) carry no entropy and were left out (they add 0 to H(X), −∞ to h(X)).` : '';
  const rankText = `X has ${live.length} varying columns but its covariance has rank ${r}${rows <= live.length ? ` (N = ${rows} ≤ ${live.length})` : ''}: the Gaussian bound needs a full-rank covariance. Use more rows, or rely on the compressor bound.`;
  const base = { unit: 'bits per input symbol' as const, kind: 'upper-bound' as const, rows, provenance: E6_PROVENANCE };

  const gaussianDifferential = full
    ? figure({ ...base, value: dead.length ? NaN : hG / n, quantity: 'h(X)/n', estimator: 'E6 Gaussian max-entropy bound (differential)', formula: 'ĥ_G(X)/n',
      flags: ['gaussian_bound', ...deadFlags], explanation: dead.length ? 'Constant input columns make h(X) = −∞; see the quantized bound.' : 'Upper bound on the differential entropy per symbol for the population covariance, estimated from samples.',
      details: { n, hGaussian: hG } })
    : unavailable({ ...base, quantity: 'h(X)/n', estimator: 'E6 Gaussian max-entropy bound (differential)', formula: 'ĥ_G(X)/n', flags: ['rank_deficient', 'gaussian_bound'], explanation: rankText });

  let gaussianQuantized: Figure;
  const qFormula = '[ĥ_G(X_live) − n_live·log₂ δ]/n';
  if (inputStep === null || !(inputStep > 0)) {
    gaussianQuantized = unavailable({ ...base, quantity: 'H(X)/n', estimator: 'E6 Gaussian bound for quantized inputs', formula: qFormula, flags: ['invalid_argument'],
      explanation: 'The inputs\' quantization step δ is unknown (float inputs): give "inputStep" in the manifest (e.g. 1 for 0–255 pixels, 1/255 for pixels scaled to [0, 1]).' });
  } else if (!full) {
    gaussianQuantized = unavailable({ ...base, quantity: 'H(X)/n', estimator: 'E6 Gaussian bound for quantized inputs', formula: qFormula, flags: ['rank_deficient', 'gaussian_bound'], explanation: rankText });
  } else {
    const v = (hG - live.length * Math.log2(inputStep)) / n;
    gaussianQuantized = figure({ ...base, value: Math.max(0, v), quantity: 'H(X)/n', estimator: 'E6 Gaussian bound for quantized inputs', formula: qFormula,
      flags: ['gaussian_bound', 'approximation', ...deadFlags],
      explanation: `Valid for fine quantization (δ = ${inputStep}) relative to the spread of X.` + deadText + (v < 0 ? ' The formula gave a negative number (coarse quantization): reported as 0.' : ''),
      details: { inputStep, hGaussian: hG, liveColumns: live.length } });
  }

  const c = compressedBitsPerSymbol(x, dtype);
  const compressor = c === null
    ? unavailable({ ...base, quantity: 'H(X)/n', estimator: 'E6 compressor bound (deflate)', formula: '8·|deflate(X)| / (N·n)', flags: ['invalid_argument'], explanation: `Inputs of dtype ${dtype} are not re-encoded for compression.` })
    : figure({ ...base, value: c, quantity: 'H(X)/n', estimator: 'E6 compressor bound (deflate)', formula: '8·|deflate(X)| / (N·n)',
      explanation: `Raw deflate (level 9) of the ${rows} rows as stored (${dtype}): any lossless code upper-bounds the entropy in expectation. Loose for float data, whose low-order bits compress poorly.`,
      details: { dtype } });

  const candidates = [gaussianQuantized, compressor].filter(f => f.value !== null);
  const best = candidates.length
    ? candidates.reduce((a, b) => (b.value! < a.value! ? b : a))
    : unavailable({ ...base, quantity: 'H(X)/n', estimator: 'E6 best upper bound', formula: 'min of the E6 bounds', flags: ['invalid_argument'], explanation: 'No discrete upper bound on H(X) could be computed.' });
  // Per model use stays the primary unit of the report: E6 is per input symbol by nature (÷ n, reading B), so it also gives × n.
  for (const f of [gaussianDifferential, gaussianQuantized, compressor]) {
    f.normalized = [...(f.normalized ?? []), { unit: 'bits per model use', value: f.value === null ? null : f.value * n, factor: n }];
  }
  return { inputSymbols: n, inputStep, gaussianDifferential, gaussianQuantized, compressor, best };
}
