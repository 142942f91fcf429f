/**
 * Full-batch gradient descent of the weight-tied linear autoencoder f(x) = WᵀWx (spec §1.3,
 * §5c): W ← W − η·W[(A−I)S + S(A−I)], A = WᵀW, S = XᵀX/n, in float64. This is the explicit
 * Euler discretisation of the gradient flow, so step k is GF time t = kη.
 *
 * Three equivalent ways to compute a step (GdMode), the cheapest chosen per problem: H×H
 * products (M = WS, C = WWᵀ, D = MWᵀ: ∇L = CM + DW − 2M, L = ½[tr(DC) − 2tr D + tr S]),
 * p×p products (B = WᵀW − I, G = BS: ∇L = W(G + Gᵀ), L = ½ΣG∘B), or the data form of §1.3
 * (Z = XWᵀ, R = ZW − X: ∇L = (1/n)(ZᵀR + WRᵀX), L = ‖R‖²/2n) when n < p. The population
 * loss ½ tr((A−I)Σ(A−I)) is evaluated at recorded steps only.
 *
 * Chunkable: a WeightTiedAutoencoderGd advances by a bounded number of steps per call, and
 * runGdEnsemble yields to the event loop between chunks, reports progress and honours cancel.
 */
import { EmbdiagError } from '../errors';
import { gaussianInitialWeights } from './mulberry32';

export interface GdProblem {
  /** Input dimension p. */
  inputDim: number;
  /** Latent width H. */
  latentWidth: number;
  /** Train covariance S = XᵀX/n (p×p, row-major). */
  trainCovariance: Float64Array;
  /** The train rows themselves (n×p); used for the gradient when n < p. */
  trainRows?: { X: Float64Array; n: number } | null;
  /** Population (held-out) covariance Σ (p×p) for the population loss; null: none. */
  populationCovariance?: Float64Array | null;
}

export interface GdCurve {
  t: number[];
  train: number[];
  /** Null when no population covariance was given. */
  pop: number[] | null;
}

/** A loss is treated as diverged when non-finite or above this multiple of (1 + the initial loss). */
const DIVERGENCE_FACTOR = 1e8;

/**
 * How a step is computed (all give the same iterates up to rounding):
 * - 'latent': H×H products, O(Hp² + H²p) — small H;
 * - 'input': p×p products, O(Hp² + p³) — H > p;
 * - 'data': the (Z, R) form of §1.3 on the train rows, O(npH) — n < p.
 */
export type GdMode = 'latent' | 'input' | 'data';

function trace(m: Float64Array, p: number): number {
  let s = 0;
  for (let i = 0; i < p; i++) s += m[i * p + i];
  return s;
}

/** One GD run from a given W0. */
export class WeightTiedAutoencoderGd {
  readonly p: number;
  readonly H: number;
  readonly mode: GdMode;
  private w: Float64Array;
  private next: Float64Array;
  private readonly hp: Float64Array; // H×p work (M = W·Cov, or the data-mode gradient)
  private readonly hp2: Float64Array; // H×p work (population M)
  private readonly hh: Float64Array; // H×H work (C = WWᵀ)
  private readonly hh2: Float64Array; // H×H work (D = M Wᵀ)
  private readonly pp: Float64Array | null; // p×p work (B)
  private readonly pp2: Float64Array | null; // p×p work (G)
  private readonly nh: Float64Array | null; // n×H work (Z, then W Rᵀ transposed)
  private readonly np: Float64Array | null; // n×p work (R)
  private readonly traceS: number;
  private readonly tracePop: number;
  private k = 0;
  private initialLoss = NaN;
  /** The run stopped because the loss blew up (step size too large). */
  diverged = false;
  readonly curve: GdCurve;

  constructor(private readonly problem: GdProblem, w0: Float64Array, readonly eta: number, readonly totalSteps: number,
    readonly recordEvery = 1, mode?: GdMode) {
    const { inputDim: p, latentWidth: H } = problem;
    if (w0.length !== H * p) throw new RangeError(`W0 must have H·p = ${H * p} entries (got ${w0.length})`);
    if (problem.trainCovariance.length !== p * p) throw new RangeError('trainCovariance must be p×p');
    if (problem.populationCovariance && problem.populationCovariance.length !== p * p) throw new RangeError('populationCovariance must be p×p');
    if (!(eta > 0) || !Number.isSafeInteger(totalSteps) || totalSteps < 0 || !(Number.isSafeInteger(recordEvery) && recordEvery >= 1)) {
      throw new RangeError('bad GD step settings');
    }
    this.mode = mode ?? WeightTiedAutoencoderGd.chooseMode(problem);
    if (this.mode === 'data' && !problem.trainRows) throw new RangeError('data mode needs the train rows');
    this.p = p;
    this.H = H;
    this.w = Float64Array.from(w0);
    this.next = new Float64Array(H * p);
    this.hp = new Float64Array(H * p);
    this.hp2 = new Float64Array(H * p);
    this.hh = new Float64Array(H * H);
    this.hh2 = new Float64Array(H * H);
    this.pp = this.mode === 'input' ? new Float64Array(p * p) : null;
    this.pp2 = this.mode === 'input' ? new Float64Array(p * p) : null;
    const n = problem.trainRows?.n ?? 0;
    this.nh = this.mode === 'data' ? new Float64Array(n * H) : null;
    this.np = this.mode === 'data' ? new Float64Array(n * p) : null;
    this.traceS = trace(problem.trainCovariance, p);
    this.tracePop = problem.populationCovariance ? trace(problem.populationCovariance, p) : NaN;
    this.curve = { t: [], train: [], pop: problem.populationCovariance ? [] : null };
  }

  get stepsDone(): number { return this.k; }
  get done(): boolean { return this.k > this.totalSteps || this.diverged; }
  /** The current weights (a copy). */
  weights(): Float64Array { return Float64Array.from(this.w); }

  /** Rough flops of one step in each mode. */
  static costs(problem: GdProblem): Record<GdMode, number> {
    const { inputDim: p, latentWidth: H } = problem;
    const n = problem.trainRows?.n;
    return {
      latent: 2 * H * p * p + 6 * H * H * p,
      input: 3 * H * p * p + 2 * p * p * p,
      data: n !== undefined ? 10 * n * p * H : Infinity,
    };
  }

  /** The cheapest mode for this problem. */
  static chooseMode(problem: GdProblem): GdMode {
    const c = WeightTiedAutoencoderGd.costs(problem);
    return (Object.keys(c) as GdMode[]).reduce((best, m) => (c[m] < c[best] ? m : best), 'latent');
  }

  /** Flops of one step, roughly (for chunking). */
  static stepCost(problem: GdProblem): number {
    return WeightTiedAutoencoderGd.costs(problem)[WeightTiedAutoencoderGd.chooseMode(problem)];
  }

  /** out = W·Cov (H×p). */
  private timesCovariance(cov: Float64Array, out: Float64Array): void {
    const { p, H, w } = this;
    out.fill(0);
    for (let a = 0; a < H; a++) {
      const ra = a * p;
      for (let i = 0; i < p; i++) {
        const wai = w[ra + i];
        if (wai === 0) continue;
        const ri = i * p;
        for (let j = 0; j < p; j++) out[ra + j] += wai * cov[ri + j];
      }
    }
  }

  /** out = Left·Wᵀ (H×H) for an H×p Left; `symmetric`: the result is symmetric (WWᵀ, WΣWᵀ), compute half. */
  private timesWt(left: Float64Array, out: Float64Array, symmetric: boolean): void {
    const { p, H, w } = this;
    for (let a = 0; a < H; a++) {
      if (symmetric) for (let b = 0; b < a; b++) out[a * H + b] = out[b * H + a];
      for (let b = symmetric ? a : 0; b < H; b++) {
        let s = 0;
        const ra = a * p, rb = b * p;
        for (let j = 0; j < p; j++) s += left[ra + j] * w[rb + j];
        out[a * H + b] = s;
      }
    }
  }

  /** ½[tr(DC) − 2 tr D + tr Cov] with D = (W·Cov)Wᵀ and C = WWᵀ: the loss ½ tr((A−I)Cov(A−I)). */
  private lossFrom(d: Float64Array, c: Float64Array, traceCov: number): number {
    const H = this.H;
    let dc = 0, td = 0;
    for (let a = 0; a < H; a++) {
      td += d[a * H + a];
      for (let b = 0; b < H; b++) dc += d[a * H + b] * c[b * H + a];
    }
    return 0.5 * (dc - 2 * td + traceCov);
  }

  /** Population loss of the current W (latent form; C = WWᵀ must be in hh). */
  private populationLoss(): number {
    const cov = this.problem.populationCovariance!;
    this.timesCovariance(cov, this.hp2);
    this.timesWt(this.hp2, this.hh2, true);
    return this.lossFrom(this.hh2, this.hh, this.tracePop);
  }

  private recordDue(): boolean {
    return this.k % this.recordEvery === 0 || this.k === this.totalSteps;
  }

  /** Appends a record; false when the loss shows divergence. */
  private record(train: number, pop: () => number): boolean {
    if (this.k === 0) this.initialLoss = train;
    if (!Number.isFinite(train) || Math.abs(train) > DIVERGENCE_FACTOR * (1 + Math.abs(this.initialLoss))) return false;
    this.curve.t.push(this.k * this.eta);
    this.curve.train.push(train);
    if (this.curve.pop) this.curve.pop.push(pop());
    return true;
  }

  /** W ← W − η·grad with grad in `this.next`; false if a weight became non-finite. */
  private applyGradient(): boolean {
    const { w, next, eta } = this;
    for (let i = 0; i < w.length; i++) {
      const v = w[i] - eta * next[i];
      if (!Number.isFinite(v)) return false;
      next[i] = v;
    }
    this.next = w;
    this.w = next;
    return true;
  }

  /** Latent mode: M = WS, C = WWᵀ, D = MWᵀ; ∇L = CM + DW − 2M. */
  private latentStep(): boolean {
    const { p, H, w, hp: m, hh: c, hh2: d, next } = this;
    this.timesCovariance(this.problem.trainCovariance, m);
    this.timesWt(w, c, true);
    this.timesWt(m, d, true);
    if (this.recordDue()) {
      const train = this.lossFrom(d, c, this.traceS);
      if (!this.record(train, () => this.populationLoss())) return false;
      // populationLoss overwrote hh2 (D): recompute it for the gradient.
      if (this.curve.pop) this.timesWt(m, d, true);
    }
    if (this.k === this.totalSteps) return true;
    for (let a = 0; a < H; a++) {
      const ra = a * p;
      for (let j = 0; j < p; j++) next[ra + j] = -2 * m[ra + j];
      for (let b = 0; b < H; b++) {
        const cab = c[a * H + b], dab = d[a * H + b];
        const rb = b * p;
        for (let j = 0; j < p; j++) next[ra + j] += cab * m[rb + j] + dab * w[rb + j];
      }
    }
    return this.applyGradient();
  }

  /** Input mode: B = WᵀW − I, G = BS; ∇L = W(G + Gᵀ); L = ½ Σ G∘B. */
  private inputStep(): boolean {
    const { p, H, w, next } = this;
    const b = this.pp!, g = this.pp2!;
    b.fill(0);
    for (let a = 0; a < H; a++) {
      const ra = a * p;
      for (let i = 0; i < p; i++) {
        const wi = w[ra + i];
        if (wi === 0) continue;
        const ri = i * p;
        for (let j = i; j < p; j++) b[ri + j] += wi * w[ra + j];
      }
    }
    for (let i = 0; i < p; i++) {
      b[i * p + i] -= 1;
      for (let j = i + 1; j < p; j++) b[j * p + i] = b[i * p + j];
    }
    const product = (cov: Float64Array, out: Float64Array) => {
      out.fill(0);
      for (let i = 0; i < p; i++) {
        const ri = i * p;
        for (let k = 0; k < p; k++) {
          const bik = b[ri + k];
          if (bik === 0) continue;
          const rk = k * p;
          for (let j = 0; j < p; j++) out[ri + j] += bik * cov[rk + j];
        }
      }
    };
    const halfInner = (x: Float64Array) => {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i] * b[i];
      return 0.5 * s;
    };
    product(this.problem.trainCovariance, g);
    if (this.recordDue()) {
      const train = halfInner(g);
      const ok = this.record(train, () => {
        const gp = new Float64Array(p * p);
        product(this.problem.populationCovariance!, gp);
        return halfInner(gp);
      });
      if (!ok) return false;
    }
    if (this.k === this.totalSteps) return true;
    // E = G + Gᵀ in place (into g), then grad = W E.
    for (let i = 0; i < p; i++) {
      for (let j = i; j < p; j++) {
        const e = g[i * p + j] + g[j * p + i];
        g[i * p + j] = e;
        g[j * p + i] = e;
      }
    }
    next.fill(0);
    for (let a = 0; a < H; a++) {
      const ra = a * p;
      for (let k = 0; k < p; k++) {
        const wk = w[ra + k];
        if (wk === 0) continue;
        const rk = k * p;
        for (let j = 0; j < p; j++) next[ra + j] += wk * g[rk + j];
      }
    }
    return this.applyGradient();
  }

  /** Data mode (§1.3): Z = XWᵀ, R = ZW − X; ∇L = (1/n)(ZᵀR + (WRᵀ)X); L = ‖R‖²/(2n). */
  private dataStep(): boolean {
    const { p, H, w, next } = this;
    const { X, n } = this.problem.trainRows!;
    const z = this.nh!, r = this.np!;
    for (let i = 0; i < n; i++) {
      const ri = i * p;
      for (let a = 0; a < H; a++) {
        let s = 0;
        const ra = a * p;
        for (let j = 0; j < p; j++) s += X[ri + j] * w[ra + j];
        z[i * H + a] = s;
      }
    }
    let rr = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * p;
      for (let j = 0; j < p; j++) r[ri + j] = -X[ri + j];
      for (let a = 0; a < H; a++) {
        const zia = z[i * H + a];
        if (zia === 0) continue;
        const ra = a * p;
        for (let j = 0; j < p; j++) r[ri + j] += zia * w[ra + j];
      }
      for (let j = 0; j < p; j++) rr += r[ri + j] * r[ri + j];
    }
    if (this.recordDue()) {
      const ok = this.record(rr / (2 * n), () => {
        this.timesWt(w, this.hh, true);
        return this.populationLoss();
      });
      if (!ok) return false;
    }
    if (this.k === this.totalSteps) return true;
    // next = (1/n)[ZᵀR + (W Rᵀ) X]; Z is no longer needed once ZᵀR is accumulated, so WRᵀ reuses it.
    next.fill(0);
    for (let i = 0; i < n; i++) {
      const ri = i * p;
      for (let a = 0; a < H; a++) {
        const f = z[i * H + a] / n;
        if (f === 0) continue;
        const ra = a * p;
        for (let j = 0; j < p; j++) next[ra + j] += f * r[ri + j];
      }
    }
    for (let i = 0; i < n; i++) {
      const ri = i * p;
      for (let a = 0; a < H; a++) {
        let s = 0;
        const ra = a * p;
        for (let j = 0; j < p; j++) s += w[ra + j] * r[ri + j];
        z[i * H + a] = s / n; // (W Rᵀ)[a][i] / n
      }
    }
    for (let i = 0; i < n; i++) {
      const ri = i * p;
      for (let a = 0; a < H; a++) {
        const f = z[i * H + a];
        if (f === 0) continue;
        const ra = a * p;
        for (let j = 0; j < p; j++) next[ra + j] += f * X[ri + j];
      }
    }
    return this.applyGradient();
  }

  /** Advances by at most maxSteps steps (recording as it goes); returns the number of steps taken. */
  advance(maxSteps: number): number {
    let taken = 0;
    while (taken < maxSteps && !this.done) {
      const ok = this.mode === 'latent' ? this.latentStep() : this.mode === 'input' ? this.inputStep() : this.dataStep();
      if (!ok) {
        this.diverged = true;
        break;
      }
      if (this.k < this.totalSteps) taken++;
      this.k++;
    }
    return taken;
  }
}

export interface GdEnsembleOptions {
  /** Step in gradient-flow units. */
  eta: number;
  steps: number;
  recordEvery: number;
  /** Init std σ; W0 of seed s = σ·(first H·p mulberry32(s) Box–Muller normals). */
  sigma: number;
  seeds?: number[];
  /** Explicit initial weights instead of seeds. */
  initialWeights?: Float64Array[];
}

export interface GdEnsembleResult {
  t: number[];
  trainMean: number[];
  trainSd: number[];
  popMean: number[] | null;
  popSd: number[] | null;
  /** Per run: its seed (null for explicit W0), its curve and whether it diverged. */
  runs: { seed: number | null; curve: GdCurve; diverged: boolean }[];
  divergedRuns: number;
}

export interface GdProgress {
  /** Fraction of all steps of all runs done, in [0, 1]. */
  fraction: number;
  run: number;
  runs: number;
  stepsDone: number;
  steps: number;
}

export interface ProgressHooks {
  onProgress?(progress: GdProgress): void;
  /** Polled between chunks; true stops the run with EmbdiagError('cancelled'). */
  isCancelled?(): boolean;
}

/** Target work per chunk (flops) between yields to the event loop. */
const CHUNK_FLOPS = 2e7;

function meanSd(values: number[]): [number, number] {
  const n = values.length;
  if (n === 0) return [NaN, NaN];
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const v = n > 1 ? values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  return [mean, Math.sqrt(v)];
}

/**
 * The ensemble as a generator of chunks: each `next()` does a bounded amount of work and yields
 * progress; the generator's return value is the result. Drive it with runGdEnsemble (async,
 * cancellable) or synchronously in a worker.
 */
export function* gdEnsembleChunks(problem: GdProblem, options: GdEnsembleOptions): Generator<GdProgress, GdEnsembleResult, void> {
  const { inputDim: p, latentWidth: H } = problem;
  const inits: { seed: number | null; w0: () => Float64Array }[] = options.initialWeights
    ? options.initialWeights.map(w => ({ seed: null, w0: () => w }))
    : (options.seeds ?? []).map(seed => ({ seed, w0: () => gaussianInitialWeights(H, p, options.sigma, seed) }));
  if (inits.length === 0) throw new RangeError('gdEnsembleChunks: no seeds and no initial weights');
  const chunk = Math.max(1, Math.floor(CHUNK_FLOPS / WeightTiedAutoencoderGd.stepCost(problem)));
  const runs: GdEnsembleResult['runs'] = [];
  const total = inits.length * (options.steps + 1);
  for (let r = 0; r < inits.length; r++) {
    const gd = new WeightTiedAutoencoderGd(problem, inits[r].w0(), options.eta, options.steps, options.recordEvery);
    while (!gd.done) {
      gd.advance(chunk);
      yield { fraction: (r * (options.steps + 1) + Math.min(gd.stepsDone, options.steps + 1)) / total, run: r, runs: inits.length, stepsDone: gd.stepsDone, steps: options.steps };
    }
    runs.push({ seed: inits[r].seed, curve: gd.curve, diverged: gd.diverged });
  }
  // Record grid of a complete run.
  const t: number[] = [];
  for (let k = 0; k <= options.steps; k++) if (k % options.recordEvery === 0 || k === options.steps) t.push(k * options.eta);
  const stats = (pick: (c: GdCurve) => number[] | null) => {
    const mean: number[] = [], sd: number[] = [];
    for (let i = 0; i < t.length; i++) {
      const vals: number[] = [];
      for (const run of runs) {
        const arr = pick(run.curve);
        if (arr && i < arr.length && Number.isFinite(arr[i])) vals.push(arr[i]);
      }
      const [m, s] = meanSd(vals);
      mean.push(m);
      sd.push(s);
    }
    return { mean, sd };
  };
  const tr = stats(c => c.train);
  const po = problem.populationCovariance ? stats(c => c.pop) : null;
  return {
    t, trainMean: tr.mean, trainSd: tr.sd, popMean: po ? po.mean : null, popSd: po ? po.sd : null,
    runs, divergedRuns: runs.filter(r => r.diverged).length,
  };
}

/** A macrotask turn (setImmediate in Node, setTimeout elsewhere), so cancel messages get through. */
function yieldToEventLoop(): Promise<void> {
  return new Promise<void>(resolve => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** Runs the ensemble chunk by chunk, yielding to the event loop between chunks; cancellable. */
export async function runGdEnsemble(problem: GdProblem, options: GdEnsembleOptions, hooks: ProgressHooks = {}): Promise<GdEnsembleResult> {
  const it = gdEnsembleChunks(problem, options);
  for (;;) {
    if (hooks.isCancelled?.()) throw new EmbdiagError('cancelled', 'The GD simulation was cancelled.');
    const r = it.next();
    if (r.done) return r.value;
    hooks.onProgress?.(r.value);
    await yieldToEventLoop();
  }
}
