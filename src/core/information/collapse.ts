/**
 * E10 collapse diagnostics, linked to the paper's introductory observation that class-collapsed
 * representations are not necessarily advantageous for regression:
 *   • NC1 = (1/K)·tr(Σ_W·Σ_B^†) (Papyan, Han & Donoho 2020), needs class labels (or binned Y);
 *   • effective rank exp(−Σ pᵢ ln pᵢ), pᵢ = λᵢ/Σλ (Roy & Vetterli 2007);
 *   • participation ratio (Σλ)²/Σλ².
 */
import { jacobiEigen } from '../linalg/symmetricEigenvectors';
import { columnMeans, selectRows, type RowMatrix } from './dense';
import { CONCEPT, figure, proposed, unavailable, type Figure, type InformationFlag } from './figure';
import { RANK_RELATIVE_TOLERANCE } from './preprocess';

/** exp(Shannon entropy of the normalised eigenvalues); eigenvalues ≤ 0 are ignored. */
export function effectiveRank(eigenvalues: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < eigenvalues.length; i++) if (eigenvalues[i] > 0) total += eigenvalues[i];
  if (!(total > 0)) return 0;
  let h = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    const p = eigenvalues[i] / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/** (Σλ)²/Σλ² over the positive eigenvalues. */
export function participationRatio(eigenvalues: ArrayLike<number>): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    const v = Math.max(0, eigenvalues[i]);
    s += v;
    s2 += v * v;
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/**
 * NC1 = (1/K)·tr(Σ_W·Σ_B^†) with Σ_W = (1/N) Σᵢ (zᵢ − μ_{cᵢ})(zᵢ − μ_{cᵢ})ᵀ and
 * Σ_B = (1/K) Σ_c (μ_c − μ_G)(μ_c − μ_G)ᵀ, μ_G the global mean of all rows (Papyan et al. 2020).
 * Σ_B = (1/K)·M·Mᵀ with M the d×K matrix of centred class means, so with MᵀM = U·Λ·Uᵀ,
 * Σ_B^† = K·M·U·Λ⁻²·Uᵀ·Mᵀ over Λ > 1e-10·Λ_max, and
 * tr(Σ_W Σ_B^†) = K·Σ_j Λ_j⁻²·(M u_j)ᵀ Σ_W (M u_j) — only K×K eigenproblems.
 * NaN with fewer than 2 classes.
 */
export function nc1(z: RowMatrix, labels: ArrayLike<number>): { value: number; classes: number } {
  const d = z.cols;
  const n = z.rows;
  const classIndex = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!classIndex.has(labels[i])) classIndex.set(labels[i], classIndex.size);
  const kc = classIndex.size;
  if (kc < 2) return { value: NaN, classes: kc };
  const means = new Float64Array(kc * d);
  const counts = new Float64Array(kc);
  for (let i = 0; i < n; i++) {
    const c = classIndex.get(labels[i])!;
    counts[c]++;
    for (let j = 0; j < d; j++) means[c * d + j] += z.data[i * d + j];
  }
  for (let c = 0; c < kc; c++) for (let j = 0; j < d; j++) means[c * d + j] /= counts[c];
  const global = columnMeans(z);
  // M (d×K), stored as K rows of length d (row c = μ_c − μ_G).
  const mRows = new Float64Array(kc * d);
  for (let c = 0; c < kc; c++) for (let j = 0; j < d; j++) mRows[c * d + j] = means[c * d + j] - global[j];
  // Within-class residuals W (N×d): Σ_W = WᵀW/N. We need v ↦ vᵀ Σ_W v = ‖W v‖²/N.
  const gram = new Float64Array(kc * kc);
  for (let a = 0; a < kc; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += mRows[a * d + j] * mRows[b * d + j];
      gram[a * kc + b] = s;
      gram[b * kc + a] = s;
    }
  }
  const eg = jacobiEigen(gram, kc);
  const lmax = Math.max(eg.values[0], 0);
  let tr = 0;
  for (let jj = 0; jj < kc; jj++) {
    const lam = eg.values[jj];
    if (!(lam > RANK_RELATIVE_TOLERANCE * lmax)) continue;
    // v = M u_j (length d).
    const v = new Float64Array(d);
    for (let c = 0; c < kc; c++) {
      const u = eg.vectors[c * kc + jj];
      if (u === 0) continue;
      for (let j = 0; j < d; j++) v[j] += u * mRows[c * d + j];
    }
    let q = 0;
    for (let i = 0; i < n; i++) {
      const c = classIndex.get(labels[i])!;
      let s = 0;
      for (let j = 0; j < d; j++) s += (z.data[i * d + j] - means[c * d + j]) * v[j];
      q += s * s;
    }
    tr += (kc * (q / n)) / (lam * lam);
  }
  return { value: tr / kc, classes: kc };
}

/** Class labels from a 1-column Y by equal-count quantile bins (ties go to the lower bin). */
export function quantileBins(y: ArrayLike<number>, bins: number): Int32Array {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[a] - y[b]);
  const out = new Int32Array(n);
  let start = 0;
  let bin = 0;
  while (start < n) {
    let end = Math.min(n, Math.round(((bin + 1) * n) / bins));
    if (end <= start) end = start + 1;
    while (end < n && y[order[end]] === y[order[end - 1]]) end++; // keep ties together
    for (let i = start; i < end; i++) out[order[i]] = bin;
    start = end;
    bin++;
  }
  return out;
}

export interface CollapseSection {
  effectiveRank: Figure;
  participationRatio: Figure;
  /** Null when neither labels nor a 1-column Y are available. */
  nc1: Figure;
}

const COLLAPSE_PROVENANCE = (note: string) => proposed(CONCEPT.collapse, note);

/** More classes than this are not a class structure NC1 can speak of (and its K×K eigenproblem grows as K³). */
export const NC1_MAX_CLASSES = 1000;

/**
 * E10 from Z's covariance eigenvalues, and NC1 from labels (or from Y binned into deciles).
 * `labelSource` says where the labels come from (shown on the figure); a NaN label (a row of the
 * row metadata without one) leaves that row out of NC1 only, and the figure says how many.
 */
export function collapseSection(args: { z: RowMatrix; eigenvalues: ArrayLike<number>; labels?: ArrayLike<number> | null; labelSource?: string; targets?: RowMatrix | null; bins?: number }): CollapseSection {
  const { z, eigenvalues } = args;
  const rows = z.rows;
  const er = figure({
    value: effectiveRank(eigenvalues), unit: 'ratio', kind: 'estimate', quantity: 'effective rank of S_Z', estimator: 'E10 effective rank',
    formula: 'exp(−Σ pᵢ ln pᵢ), pᵢ = λᵢ/Σλ', rows, provenance: COLLAPSE_PROVENANCE('Roy & Vetterli (2007). Descriptive; a number of dimensions (between 1 and d), not bits.'),
    details: { d: z.cols },
  });
  const pr = figure({
    value: participationRatio(eigenvalues), unit: 'ratio', kind: 'estimate', quantity: 'participation ratio of S_Z', estimator: 'E10 participation ratio',
    formula: '(Σλ)²/Σλ²', rows, provenance: COLLAPSE_PROVENANCE('Participation ratio (Gao et al. 2017). Descriptive.'), details: { d: z.cols },
  });
  const ncBase = {
    unit: 'ratio' as const, kind: 'estimate' as const, quantity: 'NC1 (within-class variability relative to between-class)', estimator: 'E10 NC1',
    formula: '(1/K)·tr(Σ_W Σ_B^†)', rows, provenance: COLLAPSE_PROVENANCE('Papyan, Han & Donoho (2020). Small values mean collapse (each class near one point); the regression analogue NRC (Andriopoulos et al. 2024) is not computed.'),
  };
  let labels = args.labels ?? null;
  const flags: InformationFlag[] = [];
  let text = '';
  if (!labels && args.targets && args.targets.cols === 1) {
    const bins = args.bins ?? 10;
    labels = quantileBins(args.targets.data, bins);
    flags.push('binned_targets');
    text = `No class labels: the 1-column targets were binned into ${bins} equal-count classes (a regression stand-in, not a true class structure).`;
  }
  let nc: Figure;
  if (!labels) {
    nc = unavailable({ ...ncBase, flags: ['needs_labels'], explanation: 'NC1 needs class labels (manifest "labels" / container key "labels", or a label column of the row metadata) or a 1-column target to bin.' });
  } else {
    const labelled: number[] = [];
    for (let i = 0; i < labels.length; i++) if (!Number.isNaN(labels[i])) labelled.push(i);
    const missing = labels.length - labelled.length;
    const zc = missing ? selectRows(z, labelled) : z;
    const lc = missing ? labelled.map(i => labels![i]) : labels;
    const source = args.labelSource ? `Labels: ${args.labelSource}.` : '';
    const left = missing ? `${missing} row${missing === 1 ? '' : 's'} without a label left out of NC1.` : '';
    const said = [source, left, text].filter(Boolean).join(' ');
    const details = { classes: 0, ...(args.labelSource ? { labels: args.labelSource } : {}), ...(missing ? { rowsWithoutLabel: missing } : {}) };
    const classes = new Set(Array.from(lc)).size;
    if (classes > NC1_MAX_CLASSES) {
      nc = unavailable({ ...ncBase, rows: zc.rows, flags: [...flags, 'invalid_argument'], details: { ...details, classes },
        explanation: `${said ? `${said} ` : ''}NC1 is not computed for ${classes} classes (more than ${NC1_MAX_CLASSES}: not a class structure; choose another label column).` });
    } else {
      const r = nc1(zc, lc);
      nc = Number.isFinite(r.value)
        ? figure({ ...ncBase, rows: zc.rows, value: r.value, flags, explanation: said || undefined, details: { ...details, classes: r.classes } })
        : unavailable({ ...ncBase, rows: zc.rows, flags: [...flags, 'invalid_argument'], explanation: `${said ? `${said} ` : ''}NC1 needs at least 2 classes (found ${r.classes}).`, details: { ...details, classes: r.classes } });
    }
  }
  return { effectiveRank: er, participationRatio: pr, nc1: nc };
}
