// Visual check of the report panel's page outside VS Code.
//
// Builds webview/main.ts and src/extension/panelHtml.ts into test-artifacts/preview/, writes
// one HTML page per theme and scenario (the real shell from renderPanelHtml, with its CSP,
// plus a stub acquireVsCodeApi, a set of --vscode-* theme variables and a hand-written
// sample AnalysisReport or DumpComparison), serves them on 127.0.0.1, and screenshots them with
// playwright-core into test-artifacts/preview-*.png. CSP violations and page errors are printed and
// fail the run. It also drives the page like a user: Tab order and focus rings, the array picker,
// the report and plot export buttons (the posted SVG/PNG land in test-artifacts/preview/export-*,
// and the stand-alone SVGs are rendered on their own into preview-export-*.png), and checks every
// posted message against the protocol's isWebviewToHost.
//
// The autoencoder-regime section is previewed on real results: the built CLI (dist/cli.js, from
// `node scripts/build.mjs`) runs `embdiag regime examples/workspace/runs/emb.npy … --json` for a few
// configurations (a face prediction with the GD check, the free face with the simulation only, a
// learning rate past the stability bound), next to a report of that same file.
//
// The projection section (scripts/preview-projection.mjs) gets a sample of 20,000 points with row
// metadata (hostile labels and texts among them), is driven by mouse and keyboard, exported, and
// timed while panning 20,000 and 100,000 points (the `projection-bench` shots, run by
// scripts/bench_projection.mjs; printed, not asserted).
//
// Usage: node scripts/preview-webview.mjs [--chromium /usr/bin/chromium]
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { benchPan, driveProjection, projectionMessages } from './preview-projection.mjs';

const require = createRequire(import.meta.url);
const ROOT = resolve(new URL('..', import.meta.url).pathname);
const OUT = join(ROOT, 'test-artifacts');
const DIR = join(OUT, 'preview');
const argChromium = process.argv.indexOf('--chromium');
const CHROMIUM = argChromium > 0 ? process.argv[argChromium + 1] : '/usr/bin/chromium';

// ---------------------------------------------------------------- build

mkdirSync(DIR, { recursive: true });
await esbuild.build({
  entryPoints: [join(ROOT, 'webview/main.ts')], outfile: join(DIR, 'webview.js'),
  bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, logLevel: 'warning',
});
await esbuild.build({
  entryPoints: [join(ROOT, 'src/extension/panelHtml.ts')], outfile: join(DIR, 'panelHtml.cjs'),
  bundle: true, platform: 'node', format: 'cjs', target: 'es2022', logLevel: 'warning',
});
// The core's own code for the sample data (power-law fit, histogram, comparison) and the protocol check.
await esbuild.build({
  stdin: {
    contents: `export { fitPowerLaw } from './src/core/metrics/powerLawFit';
      export { histogram } from './src/core/stats/histogram';
      export { compareReports } from './src/core/analysis/compareReports';
      export { isWebviewToHost } from './src/shared/protocol';`,
    resolveDir: ROOT, loader: 'ts',
  },
  outfile: join(DIR, 'core.cjs'), bundle: true, platform: 'node', format: 'cjs', target: 'es2022', logLevel: 'warning',
});
cpSync(join(ROOT, 'webview/styles.css'), join(DIR, 'webview.css'));
cpSync(join(ROOT, 'node_modules/@vscode/codicons/dist/codicon.css'), join(DIR, 'codicon.css'));
cpSync(join(ROOT, 'node_modules/@vscode/codicons/dist/codicon.ttf'), join(DIR, 'codicon.ttf'));
const { renderPanelHtml, createNonce } = require(join(DIR, 'panelHtml.cjs'));
const { fitPowerLaw, histogram, compareReports, isWebviewToHost } = require(join(DIR, 'core.cjs'));

/** Deterministic pseudo-random numbers (xorshift) and normal deviates, so the previews do not change between runs. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
  return { next, normal: () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next()) };
}

/** Row norms: a main peak plus a small second population (e.g. a few unnormalised rows). */
function sampleNorms(n, centre, spread, seed) {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => (i % 37 === 0 ? centre * 1.45 + spread * r.normal() : centre + spread * r.normal()));
}
const bundleBytes = readFileSync(join(DIR, 'webview.js')).length;

// ---------------------------------------------------------------- sample reports

/** Metrics computed from the eigenvalues the way the core defines them. */
function metricsOf(ev, dim) {
  const pos = ev.filter(v => v > 0);
  const sum = pos.reduce((a, b) => a + b, 0);
  const entropyExp = xs => {
    const s = xs.reduce((a, b) => a + b, 0);
    return Math.exp(-xs.reduce((h, x) => (x > 0 ? h + (x / s) * Math.log(x / s) : h), 0));
  };
  const max = pos[0], min = pos[pos.length - 1];
  return {
    effectiveRank: entropyExp(pos),
    rankMe: entropyExp(pos.map(Math.sqrt)),
    participationRatio: sum ** 2 / pos.reduce((a, b) => a + b * b, 0),
    stableRank: sum / max,
    conditionNumber: max / min,
    totalVariance: sum,
    explainedVariance: [1, 10, 100].filter(k => k <= dim).map(k => ({ k, fraction: pos.slice(0, k).reduce((a, b) => a + b, 0) / sum })),
  };
}

function sampledReport() {
  const dim = 384;
  // A power-law spectrum with a collapsed tail: 6 dead dimensions give (numerically) zero eigenvalues.
  const ev = Array.from({ length: dim }, (_, i) => 2.7 * (i + 1) ** -1.35 * (1 + 0.04 * Math.sin(i)));
  for (let i = dim - 6; i < dim; i++) ev[i] = i % 2 ? 0 : -3.1e-17;
  ev.sort((a, b) => b - a);
  const health = {
    nanRows: 12, infRows: 0, zeroRows: 40, duplicateRows: 1873, deadDims: 6,
    deadDimIndices: [17, 45, 101, 230, 311, 377],
    rowNorms: { min: 0.0213, median: 9.8734, mean: 9.6211, max: 17.402 },
  };
  return {
    schemaVersion: 1,
    tool: { name: 'embdiag', version: '0.1.0' },
    file: '/home/ada/projects/retrieval/runs/2024-06-01 <bge-small>/corpus_embeddings.npz',
    fileSize: 384 * 250000 * 4 + 2112,
    format: 'npz',
    array: { name: 'embeddings', dtype: 'float32', shape: [250000, 384] },
    arrays: [
      { name: 'embeddings', dtype: 'float32', shape: [250000, 384], analysable: true },
      { name: 'query_embeddings', dtype: 'float16', shape: [5000, 384], analysable: true },
      { name: 'ids', dtype: 'int64', shape: [250000], analysable: true },
      { name: 'titles', dtype: 'object', shape: [250000], analysable: false, reason: 'object arrays need pickle, which is refused' },
    ],
    rowsTotal: 250000, rowsUsed: 100000, rowsInStatistics: 99988, dim,
    sampling: { sampled: true, method: 'uniform random sample without replacement', seed: 0, maxRows: 100000 },
    health,
    mean: new Array(dim).fill(0.01), variance: new Array(dim).fill(0.02),
    eigenvalues: ev,
    metrics: metricsOf(ev, dim),
    rowNormHistogram: histogram(sampleNorms(20000, 9.8, 1.1, 7).map(Math.abs), 40),
    powerLaw: fitPowerLaw(ev),
    notes: ['Read 100000 of 250000 rows (uniform random sample without replacement, seed 0): raise embeddingDiagnostics.maxRows to read them all.'],
    findings: [
      { code: 'duplicate-rows', severity: 'warning', message: '1873 of 100000 rows sampled (1.87%) repeat an earlier row exactly. Check for duplicated inputs or a dataloader that repeats a batch; duplicates bias nearest-neighbour and entropy estimates.' },
      { code: 'nan-rows', severity: 'error', message: '12 of 100000 rows sampled (0.0120%) contain NaN. They are left out of every statistic. Find where the model or the export produced them, or drop them before use.' },
      { code: 'sampled', severity: 'information', message: 'Analysed a uniform random sample of 100000 of 250000 rows (seed 0).' },
      { code: 'dead-dims', severity: 'warning', message: '6 of 384 dimensions are constant (variance ≤ 1e-12): 17, 45, 101, 230, 311, 377. They carry no information; look for dead ReLU units or a projection that zeroes them.' },
      { code: 'zero-rows', severity: 'warning', message: '40 of 100000 rows sampled (0.0400%) are all zeros. <b>Usually padding</b>, an unfilled pre-allocated buffer, or inputs that never went through the model; remove them or fill them.' },
    ],
    timings: { totalMs: 1843.2, readMs: 1211.7, eigenMs: 96.4 },
  };
}

function smallReport() {
  const dim = 64;
  const ev = Array.from({ length: dim }, (_, i) => 0.9 * Math.exp(-i / 9) + 0.002);
  return {
    schemaVersion: 1,
    tool: { name: 'embdiag', version: '0.1.0' },
    file: 'C:\\work\\data\\small.npy',
    fileSize: 2000 * 64 * 4 + 128,
    format: 'npy',
    array: { name: 'small', dtype: 'float32', shape: [2000, 64] },
    arrays: [{ name: 'small', dtype: 'float32', shape: [2000, 64], analysable: true }],
    rowsTotal: 2000, rowsUsed: 2000, rowsInStatistics: 2000, dim,
    sampling: { sampled: false, method: 'all rows', seed: 0, maxRows: 100000 },
    health: { nanRows: 0, infRows: 0, zeroRows: 0, duplicateRows: 0, deadDims: 0, deadDimIndices: [], rowNorms: { min: 2.1, median: 2.83, mean: 2.84, max: 3.9 } },
    mean: new Array(dim).fill(0), variance: new Array(dim).fill(0.1),
    eigenvalues: ev,
    metrics: metricsOf(ev, dim),
    notes: [],
    findings: [],
    timings: { totalMs: 41.2, readMs: 3.1, eigenMs: 11.8 },
  };
}

/** Two checkpoints of the same model: the later one's spectrum decays faster (partial collapse). */
function checkpointReport(step, decay, file) {
  const dim = 128;
  const ev = Array.from({ length: dim }, (_, i) => 1.6 * (i + 1) ** -decay);
  const r = rng(step);
  const mean = Array.from({ length: dim }, () => 0.02 * r.normal() + (step > 2000 ? 0.015 : 0));
  return {
    schemaVersion: 1,
    tool: { name: 'embdiag', version: '0.1.0' },
    file, fileSize: 20000 * dim * 4 + 128, format: 'npy',
    array: { name: 'emb', dtype: step > 2000 ? 'float16' : 'float32', shape: [20000, dim] },
    arrays: [{ name: 'emb', dtype: step > 2000 ? 'float16' : 'float32', shape: [20000, dim], analysable: true }],
    rowsTotal: 20000, rowsUsed: 20000, rowsInStatistics: step > 2000 ? 19996 : 20000, dim,
    sampling: { sampled: false, method: 'all rows', seed: 0, maxRows: 100000 },
    health: { nanRows: step > 2000 ? 4 : 0, infRows: 0, zeroRows: 0, duplicateRows: step > 2000 ? 310 : 0, deadDims: 0, deadDimIndices: [],
      rowNorms: { min: 0.4, median: 1, mean: 1, max: 1.6 } },
    mean, variance: new Array(dim).fill(0.01),
    eigenvalues: ev, metrics: metricsOf(ev, dim),
    rowNormHistogram: histogram(sampleNorms(5000, 1, 0.08, step), 30),
    powerLaw: fitPowerLaw(ev),
    notes: [],
    findings: step > 2000
      ? [
        { code: 'nan-rows', severity: 'error', message: '4 of 20000 rows (0.020%) contain NaN. They are left out of every statistic.' },
        { code: 'duplicate-rows', severity: 'warning', message: '310 of 20000 rows (1.55%) repeat an earlier row exactly.' },
      ]
      : [],
    timings: { totalMs: 210, readMs: 80, eigenMs: 30 },
  };
}

// ---------------------------------------------------------------- regime samples (the real core, through the CLI)

const EMB = join(ROOT, 'examples/workspace/runs/emb.npy');
const CLI = join(ROOT, 'dist/cli.js');
const regimeCache = new Map();

/** A RegimeResult as the extension sends it: the CLI's `.regime` plus the rows it used. */
function regimeResult(args) {
  const key = args.join(' ');
  if (!regimeCache.has(key)) {
    if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `node scripts/build.mjs` first');
    // The CLI writes non-finite numbers as "NaN"/"Infinity" strings; the host posts them as numbers.
    const revive = (k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
    let out;
    try {
      out = execFileSync(process.execPath, [CLI, 'regime', EMB, ...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    } catch (e) {
      // A step past the stability bound exits with status 1 (for CI), with the full report on stdout.
      if (e.status !== 1 || !e.stdout) throw e;
      out = e.stdout;
    }
    const json = JSON.parse(out, revive);
    regimeCache.set(key, {
      regime: json.regime,
      source: {
        file: EMB, arrayName: json.array.name, rowsTotal: json.rowsTotal, rowsRead: json.rowsUsed,
        droppedNonFinite: json.droppedNonFiniteRows, sampled: json.sampling.sampled, seed: json.sampling.seed,
      },
    });
  }
  return regimeCache.get(key);
}

/** Near the large-data face, the narrow-latent face close by: two predictions and the GD check. */
const REGIME_FACES = ['--latent', '8', '--lr', '0.05', '--steps', '200', '--seeds', '3'];
/** A large init: the free face, where neither prediction is trusted at any t: the simulation carries the figure (a loss over several decades). */
const REGIME_FREE = ['--latent', '64', '--init-var', '0.2', '--lr', '0.01', '--steps', '300', '--seeds', '3'];
/** Wide latent near the mean-field edge, with a step past the stability bound in PyTorch's units (GD oscillates). */
const REGIME_WIDE = ['--latent', '256', '--init-var', '0.004', '--lr', '20', '--lr-convention', 'torch-mse', '--steps', '150', '--seeds', '3'];
/** Twice that step: every GD run diverges (the simulated curves end in NaN). */
const REGIME_DIVERGED = ['--latent', '256', '--init-var', '0.004', '--lr', '40', '--lr-convention', 'torch-mse', '--steps', '150', '--seeds', '3'];

/** The report of the file the regime samples ran on (2000 × 64 float32, like emb.npy). */
function embReport() {
  const r = smallReport();
  r.file = EMB;
  r.array.name = r.arrays[0].name = 'emb';
  return r;
}

// ---------------------------------------------------------------- information samples (the real core, through the CLI)

const PAIR = join(ROOT, 'test/fixtures/information/pair_z.npy');
const infoCache = new Map();

/**
 * The CLI's `analyze … --json` of the information fixture: the AnalysisReport (without its
 * `.information`) and the InformationReport the host sends after it. With the fixture's manifest
 * (perturbed embeddings, targets, predictions, inputs, labels) every section has numbers; without
 * it (`--no-manifest --information`) the capacity and R(D) figures are null with their flags.
 */
function informationSample(args = []) {
  const key = args.join(' ');
  if (!infoCache.has(key)) {
    if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `node scripts/build.mjs` first');
    const revive = (k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
    const json = JSON.parse(execFileSync(process.execPath, [CLI, 'analyze', PAIR, ...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }), revive);
    const { information, ...report } = json;
    report.file = PAIR;
    infoCache.set(key, { report, information });
  }
  return infoCache.get(key);
}
const INFO_MISSING = ['--no-manifest', '--information'];

function comparison() {
  const left = checkpointReport(1000, 0.9, '/home/ada/runs/ckpt-1000/emb.npy');
  const right = checkpointReport(5000, 1.6, '/home/ada/runs/ckpt-5000/emb.npy');
  // The later dump lost a few rows on the way (so the comparison has a note to show).
  right.rowsTotal = right.rowsUsed = 19800;
  right.rowsInStatistics = 19796;
  right.array.shape = right.arrays[0].shape = [19800, right.dim];
  // Diagonal covariances with the reports' eigenvalues, the right one rotated by a permutation.
  const d = left.dim;
  const cl = new Float64Array(d * d), cr = new Float64Array(d * d);
  for (let i = 0; i < d; i++) { cl[i * d + i] = left.eigenvalues[i]; const j = (i * 5) % d; cr[j * d + j] = right.eigenvalues[i]; }
  return compareReports(left, right, { left: cl, right: cr });
}

// ---------------------------------------------------------------- themes (a subset of the variables VS Code sets)

const common = {
  '--vscode-font-family': 'system-ui, -apple-system, "Segoe UI", Ubuntu, "Droid Sans", sans-serif',
  '--vscode-font-size': '13px', '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': '"DejaVu Sans Mono", "Droid Sans Mono", monospace', '--vscode-editor-font-size': '13px',
};
const THEMES = {
  dark: { bodyClass: 'vscode-dark', vars: {
    ...common,
    '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-editor-background': '#1f1f1f',
    '--vscode-editorWidget-border': '#454545', '--vscode-widget-border': '#313131', '--vscode-editorGroup-border': '#ffffff17',
    '--vscode-settings-headerBorder': '#2b2b2b', '--vscode-panel-border': '#2b2b2b',
    '--vscode-charts-foreground': '#cccccc', '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)', '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-red': '#f14c4c', '--vscode-charts-yellow': '#cca700',
    '--vscode-textLink-foreground': '#4daafc', '--vscode-textLink-activeForeground': '#4daafc',
    '--vscode-textPreformat-foreground': '#d0d0d0', '--vscode-textPreformat-background': '#3c3c3c', '--vscode-textBlockQuote-background': '#2b2b2b',
    '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#026ec1',
    '--vscode-button-border': '#ffffff12', '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-button-secondaryHoverBackground': '#3c3c3c', '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8',
    '--vscode-focusBorder': '#0078d4', '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-toolbar-hoverBackground': 'rgba(90, 93, 94, 0.31)',
    '--vscode-keybindingTable-headerBackground': 'rgba(204, 204, 204, 0.04)',
    '--vscode-problemsErrorIcon-foreground': '#f14c4c', '--vscode-problemsWarningIcon-foreground': '#cca700', '--vscode-problemsInfoIcon-foreground': '#3794ff',
    '--vscode-testing-iconPassed': '#73c991', '--vscode-inputValidation-errorBackground': '#5a1d1d', '--vscode-inputValidation-errorBorder': '#be1100',
    '--vscode-progressBar-background': '#0078d4', '--vscode-sideBar-background': '#181818', '--vscode-sideBarSectionHeader-background': '#181818',
    '--vscode-sideBarTitle-foreground': '#cccccc', '--vscode-icon-foreground': '#cccccc',
    '--vscode-settings-checkboxBackground': '#313131', '--vscode-settings-checkboxBorder': '#3c3c3c', '--vscode-settings-checkboxForeground': '#cccccc',
    '--vscode-editorHoverWidget-background': '#202020', '--vscode-editorHoverWidget-border': '#454545', '--vscode-editorHoverWidget-foreground': '#cccccc',
    '--vscode-charts-purple': '#b180d7', '--vscode-settings-dropdownBackground': '#313131', '--vscode-settings-dropdownBorder': '#3c3c3c',
    '--vscode-settings-dropdownForeground': '#cccccc', '--vscode-settings-dropdownListBorder': '#454545',
    '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-list-focusOutline': '#0078d4',
    '--vscode-list-highlightForeground': '#2aaaff', '--vscode-gitDecoration-modifiedResourceForeground': '#e2c08d',
  } },
  light: { bodyClass: 'vscode-light', vars: {
    ...common,
    '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171', '--vscode-editor-background': '#ffffff',
    '--vscode-editorWidget-border': '#c8c8c8', '--vscode-widget-border': '#e5e5e5', '--vscode-editorGroup-border': '#e5e5e5',
    '--vscode-settings-headerBorder': '#e5e5e5', '--vscode-panel-border': '#e5e5e5',
    '--vscode-charts-foreground': '#616161', '--vscode-charts-lines': 'rgba(97, 97, 97, 0.5)', '--vscode-charts-blue': '#1a85ff',
    '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34', '--vscode-charts-red': '#e51400', '--vscode-charts-yellow': '#bf8803',
    '--vscode-textLink-foreground': '#005fb8', '--vscode-textLink-activeForeground': '#005fb8',
    '--vscode-textPreformat-foreground': '#3b3b3b', '--vscode-textPreformat-background': 'rgba(0, 0, 0, 0.06)', '--vscode-textBlockQuote-background': '#f8f8f8',
    '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#0258a8',
    '--vscode-button-border': '#0000001a', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-button-secondaryHoverBackground': '#cccccc', '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b',
    '--vscode-focusBorder': '#005fb8', '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-toolbar-hoverBackground': 'rgba(184, 184, 184, 0.31)',
    '--vscode-keybindingTable-headerBackground': 'rgba(59, 59, 59, 0.04)',
    '--vscode-problemsErrorIcon-foreground': '#e51400', '--vscode-problemsWarningIcon-foreground': '#bf8803', '--vscode-problemsInfoIcon-foreground': '#1a85ff',
    '--vscode-testing-iconPassed': '#388a34', '--vscode-inputValidation-errorBackground': '#f2dede', '--vscode-inputValidation-errorBorder': '#be1100',
    '--vscode-progressBar-background': '#005fb8', '--vscode-sideBar-background': '#f8f8f8', '--vscode-sideBarSectionHeader-background': '#f8f8f8',
    '--vscode-sideBarTitle-foreground': '#3b3b3b', '--vscode-icon-foreground': '#3b3b3b',
    '--vscode-settings-checkboxBackground': '#f8f8f8', '--vscode-settings-checkboxBorder': '#cecece', '--vscode-settings-checkboxForeground': '#3b3b3b',
    '--vscode-editorHoverWidget-background': '#f8f8f8', '--vscode-editorHoverWidget-border': '#c8c8c8', '--vscode-editorHoverWidget-foreground': '#3b3b3b',
    '--vscode-charts-purple': '#652d90', '--vscode-settings-dropdownBackground': '#ffffff', '--vscode-settings-dropdownBorder': '#cecece',
    '--vscode-settings-dropdownForeground': '#3b3b3b', '--vscode-settings-dropdownListBorder': '#c8c8c8',
    '--vscode-list-activeSelectionBackground': '#e8e8e8', '--vscode-list-activeSelectionForeground': '#000000', '--vscode-list-focusOutline': '#005fb8',
    '--vscode-list-hoverForeground': '#3b3b3b', '--vscode-list-highlightForeground': '#0066bf', '--vscode-gitDecoration-modifiedResourceForeground': '#895503',
  } },
  hc: { bodyClass: 'vscode-high-contrast', vars: {
    ...common,
    '--vscode-foreground': '#ffffff', '--vscode-descriptionForeground': 'rgba(255, 255, 255, 0.7)', '--vscode-editor-background': '#000000',
    '--vscode-contrastBorder': '#6fc3df', '--vscode-contrastActiveBorder': '#f38518', '--vscode-editorWidget-border': '#6fc3df',
    '--vscode-charts-foreground': '#ffffff', '--vscode-charts-lines': 'rgba(255, 255, 255, 0.5)', '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-textLink-foreground': '#21a6ff',
    '--vscode-textPreformat-foreground': '#ffd700', '--vscode-textPreformat-background': '#000000',
    '--vscode-button-background': '#000000', '--vscode-button-foreground': '#ffffff', '--vscode-button-border': '#6fc3df',
    '--vscode-button-secondaryBackground': '#000000', '--vscode-button-secondaryForeground': '#ffffff',
    '--vscode-badge-background': '#000000', '--vscode-badge-foreground': '#ffffff', '--vscode-focusBorder': '#f38518',
    '--vscode-problemsErrorIcon-foreground': '#f48771', '--vscode-problemsWarningIcon-foreground': '#cca700', '--vscode-problemsInfoIcon-foreground': '#3794ff',
    '--vscode-testing-iconPassed': '#73c991', '--vscode-inputValidation-errorBackground': '#000000', '--vscode-inputValidation-errorBorder': '#6fc3df',
    '--vscode-progressBar-background': '#6fc3df', '--vscode-settings-checkboxBackground': '#000000', '--vscode-settings-checkboxBorder': '#6fc3df',
    '--vscode-editorHoverWidget-background': '#0c141f', '--vscode-editorHoverWidget-border': '#6fc3df', '--vscode-editorHoverWidget-foreground': '#ffffff',
    '--vscode-charts-red': '#f48771', '--vscode-charts-purple': '#b180d7', '--vscode-charts-yellow': '#cca700', '--vscode-icon-foreground': '#ffffff',
    '--vscode-settings-dropdownBackground': '#000000', '--vscode-settings-dropdownBorder': '#6fc3df', '--vscode-settings-dropdownForeground': '#ffffff',
    '--vscode-settings-dropdownListBorder': '#6fc3df', '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-list-focusOutline': '#f38518',
    '--vscode-list-hoverForeground': '#ffffff', '--vscode-gitDecoration-modifiedResourceForeground': '#e2c08d', '--vscode-toolbar-hoverOutline': '#f38518',
  } },
};

// ---------------------------------------------------------------- pages

const SCENARIOS = {
  report: () => ({ type: 'report', report: sampledReport() }),
  small: () => ({ type: 'report', report: smallReport() }),
  compare: () => ({ type: 'compare', comparison: comparison() }),
  // The panel was hidden and shown again: no message, only the state the page saved (as JSON, like VS Code keeps it).
  restore: () => ({ state: JSON.parse(JSON.stringify({ v: 1, view: { kind: 'compare', comparison: comparison() }, logX: false })) }),
  error: () => ({ type: 'error', file: '/home/ada/data/broken.npy', code: 'truncated', message: 'The file ends after 1048576 of 40960128 bytes the header promises (shape (10000, 1024), float32). It may still be being written, or the copy was cut short.' }),
  progress: () => ({ type: 'progress', file: '/home/ada/data/big.safetensors', fraction: 0.42, message: 'Reading rows 42000 of 100000' }),
  // The regime section: the host sends the report, then the regime's progress, then its result.
  regime: () => ({ messages: [
    { type: 'report', report: embReport() },
    { type: 'regimeProgress', fraction: 0.3, message: 'GD run 1/3: step 60/200' },
    { type: 'regime', result: regimeResult(REGIME_FACES) },
  ] }),
  'regime-free': () => ({ messages: [{ type: 'report', report: embReport() }, { type: 'regime', result: regimeResult(REGIME_FREE) }] }),
  'regime-wide': () => ({ messages: [{ type: 'report', report: embReport() }, { type: 'regime', result: regimeResult(REGIME_WIDE) }] }),
  'regime-diverged': () => ({ messages: [{ type: 'report', report: embReport() }, { type: 'regime', result: regimeResult(REGIME_DIVERGED) }] }),
  'regime-progress': () => ({ messages: [
    { type: 'report', report: embReport() },
    { type: 'regimeProgress', fraction: 0.42, message: 'GD run 2/3: step 52/200' },
  ] }),
  'regime-error': () => ({ messages: [
    { type: 'report', report: embReport() },
    { type: 'regimeError', code: 'bad-argument', message: 'Latent width H = 0 must be a positive integer.' },
  ] }),
  // Reloaded page (state saved with a regime), then the host re-sends the report of the same array without a regime: the note shows.
  'regime-stale': () => ({
    state: JSON.parse(JSON.stringify({ v: 1, view: { kind: 'report', report: embReport() }, regime: { result: regimeResult(REGIME_FACES), stale: false } })),
    messages: [{ type: 'report', report: embReport() }],
  }),
  // The information section: the report, the information's progress, then its result.
  information: () => ({ messages: [
    { type: 'report', report: informationSample().report },
    { type: 'informationProgress', fraction: 0.55, message: 'Capacity (E7)' },
    { type: 'information', report: informationSample().information },
  ] }),
  'information-missing': () => ({ messages: [
    { type: 'report', report: informationSample(INFO_MISSING).report },
    { type: 'information', report: informationSample(INFO_MISSING).information },
  ] }),
  'information-progress': () => ({ messages: [
    { type: 'report', report: informationSample().report },
    { type: 'informationProgress', fraction: 0.42, message: 'Entropy of the representation (E3, E4)' },
  ] }),
  'information-error': () => ({ messages: [
    { type: 'report', report: informationSample().report },
    { type: 'informationError', code: 'mismatched-rows', message: 'The perturbed embeddings have 1999 rows, the embeddings 2000: rows must be matched.' },
  ] }),
  // The projection section: the report with a 20,000-point projection, then the sample's labels and texts.
  projection: () => ({ messages: projectionMessages(sampledReport(), 20000) }),
  'projection-100k': () => ({ messages: projectionMessages(sampledReport(), 100000) }),
  // Reloaded page with a saved information result, then the same file's report again: the "earlier run" note shows.
  'information-stale': () => ({
    state: JSON.parse(JSON.stringify({ v: 1, view: { kind: 'report', report: informationSample().report },
      information: { report: informationSample().information, file: PAIR, arrayName: informationSample().report.array.name, stale: false } })),
    messages: [{ type: 'report', report: informationSample().report }],
  }),
};

/** Text the page must show once a scenario is rendered (waited for in the 'rendered' message). */
const EXPECT_TEXT = {
  regime: 'Simulated (GD, 3 seeds)', 'regime-free': 'not compared: the prediction is not trusted at any t', 'regime-wide': 'Predicted (', 'regime-diverged': '3 diverged',
  'regime-error': 'bad-argument', 'regime-stale': 'from an earlier run',
  information: 'Verdict', 'information-missing': 'Verdict', 'information-error': 'mismatched-rows', 'information-stale': 'from an earlier run',
};

function pageHtml(origin, theme, scenario) {
  const nonce = createNonce();
  const shell = renderPanelHtml({
    cspSource: origin, nonce, title: 'Embedding report <preview>',
    scriptUri: `${origin}/webview.js`, styleUri: `${origin}/webview.css`, codiconUri: `${origin}/codicon.css`,
  });
  const t = THEMES[theme];
  const vars = Object.entries(t.vars).map(([k, v]) => `${k}: ${v};`).join(' ');
  const made = SCENARIOS[scenario]();
  // One message, several in order (as the host sends them), or none (only a saved state).
  const list = made.messages ?? (made.state ? [] : [made]);
  const messages = JSON.stringify(list).replace(/</g, '\\u003c');
  const savedState = made.state ? JSON.stringify(made.state).replace(/</g, '\\u003c') : 'undefined';
  // VS Code sets the variables on <html> and the theme kind as a body class; the stub stands in for
  // acquireVsCodeApi, defined (as VS Code does) before any of the page's own scripts run.
  const stub = `<head>
  <script nonce="${nonce}">
    window.__posted = []; window.__csp = []; window.__state = ${savedState};
    document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    window.acquireVsCodeApi = () => ({
      postMessage: m => window.__posted.push(m),
      getState: () => window.__state,
      setState: s => { window.__state = s; },
    });
  </script>`;
  const inject = `  <style nonce="${nonce}">html { ${vars} }</style>
  <script nonce="${nonce}">
    document.addEventListener('DOMContentLoaded', () => {
      document.body.classList.add(${JSON.stringify(t.bodyClass)});
      const messages = ${messages};
      messages.forEach((m, i) => setTimeout(() => window.postMessage(m, '*'), 40 * i));
    });
  </script>
</head>`;
  return shell.replace('<head>', stub).replace('</head>', inject);
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.svg': 'image/svg+xml', '.png': 'image/png' };
const server = createServer((req, res) => {
  const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
  if (name.includes('..')) { res.writeHead(400).end(); return; }
  if (name === 'favicon.ico') { res.writeHead(204).end(); return; }
  try {
    const body = readFileSync(join(DIR, name));
    res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const shots = [
  { theme: 'light', scenario: 'report', width: 1280 },
  { theme: 'dark', scenario: 'report', width: 1280 },
  { theme: 'hc', scenario: 'report', width: 1280 },
  { theme: 'dark', scenario: 'small', width: 820, toggleLogX: true },
  { theme: 'dark', scenario: 'report', width: 560 },
  { theme: 'light', scenario: 'small', width: 820, linearHover: true },
  { theme: 'dark', scenario: 'error', width: 1000 },
  { theme: 'light', scenario: 'progress', width: 1000 },
  { theme: 'light', scenario: 'compare', width: 1280 },
  { theme: 'dark', scenario: 'compare', width: 1280, compareHover: true },
  { theme: 'hc', scenario: 'compare', width: 1280 },
  { theme: 'dark', scenario: 'compare', width: 560 },
  { theme: 'light', scenario: 'restore', width: 1000, exportCompare: true, clip: { x: 0, y: 0, width: 1000, height: 700 } },
  // Interactions: exports, the array picker open, keyboard focus on a plot's export button.
  { theme: 'dark', scenario: 'report', width: 1280, name: 'preview-dark-exports', exports: true },
  { theme: 'light', scenario: 'report', width: 1280, name: 'preview-light-picker', picker: true, clip: { x: 0, y: 0, width: 1280, height: 420 } },
  { theme: 'hc', scenario: 'report', width: 1280, name: 'preview-hc-focus', focus: '#export-spectrum-png', clip: 'focus' },
  { theme: 'light', scenario: 'report', width: 1280, name: 'preview-light-focus', focus: '#array-picker', clip: { x: 0, y: 0, width: 1280, height: 300 } },
  { theme: 'dark', scenario: 'report', width: 1280, name: 'preview-dark-plot-focus', focus: '#spectrum-plot', clip: 'focus' },
  { theme: 'light', scenario: 'report', width: 1280, name: 'preview-light-plot-keys', plotKeys: ['#row-norm-histogram', '#cumulative-plot', '#spectrum-plot'], clip: 'focus' },
  { theme: 'dark', scenario: 'compare', width: 1280, name: 'preview-dark-compare-keys', plotKeys: ['#compare-spectrum-plot'], clip: 'focus' },
  // The autoencoder-regime section (element shots of #regime, plus the whole page for the first).
  { theme: 'light', scenario: 'regime', width: 1280, element: '#regime', fullPageToo: true },
  { theme: 'dark', scenario: 'regime', width: 1280, element: '#regime', regimeExports: true, regimeHover: true },
  { theme: 'light', scenario: 'regime', width: 1280, name: 'preview-light-regime-keys', element: '#regime', plotKeys: ['#regime-loss-plot', '#regime-prism'] },
  { theme: 'hc', scenario: 'regime', width: 1280, element: '#regime' },
  { theme: 'dark', scenario: 'regime', width: 560, element: '#regime' },
  { theme: 'dark', scenario: 'regime-free', width: 1280, element: '#regime' },
  { theme: 'light', scenario: 'regime-wide', width: 1000, element: '#regime' },
  { theme: 'dark', scenario: 'regime-diverged', width: 1000, element: '#regime' },
  { theme: 'light', scenario: 'regime-progress', width: 1000, element: '#regime' },
  { theme: 'dark', scenario: 'regime-error', width: 1000, element: '#regime' },
  { theme: 'light', scenario: 'regime-stale', width: 1000, element: '#regime', checkStale: true },
  // The information section (element shots of #information, plus the whole page for the first).
  { theme: 'light', scenario: 'information', width: 1280, element: '#information', fullPageToo: true },
  { theme: 'dark', scenario: 'information', width: 1280, element: '#information', infoExports: true, infoHover: true },
  { theme: 'dark', scenario: 'information', width: 1280, name: 'preview-dark-information-keys', element: '#rd-figure', plotKeys: ['#rd-plot'] },
  { theme: 'hc', scenario: 'information', width: 1280, element: '#information' },
  { theme: 'dark', scenario: 'information', width: 560, element: '#information' },
  { theme: 'light', scenario: 'information-missing', width: 1000, element: '#information' },
  { theme: 'light', scenario: 'information-progress', width: 1000, element: '#information' },
  { theme: 'dark', scenario: 'information-error', width: 1000, element: '#information' },
  { theme: 'light', scenario: 'information-stale', width: 1000, element: '#information', checkStale: true },
  // The projection section (element shots of #projection-section); the report shots above have no projection (older reports).
  { theme: 'light', scenario: 'projection', width: 1280, element: '#projection-section', fullPageToo: true },
  { theme: 'dark', scenario: 'projection', width: 1280, name: 'preview-dark-projection-interactions', element: '#projection-section', projectionDrive: true },
  { theme: 'hc', scenario: 'projection', width: 1280, element: '#projection-section' },
  { theme: 'dark', scenario: 'projection', width: 560, element: '#projection-section' },
  // Frame times while panning (scripts/bench_projection.mjs runs only these).
  { theme: 'dark', scenario: 'projection', width: 1280, name: 'projection-bench-20000', element: '#projection-section', bench: '20,000 points' },
  { theme: 'dark', scenario: 'projection-100k', width: 1280, name: 'projection-bench-100000', element: '#projection-section', bench: '100,000 points' },
];

/** Checks and saves what the page posted for export; returns problems. */
function checkExports(posted, name) {
  const problems = [];
  for (const m of posted) {
    if (!isWebviewToHost(m)) problems.push(`posted message the host would refuse: ${JSON.stringify(m).slice(0, 120)}`);
  }
  const plots = posted.filter(m => m.type === 'exportPlot');
  for (const m of plots) {
    const file = join(DIR, `export-${name}-${m.plot}.${m.format}`);
    if (m.format === 'svg') {
      writeFileSync(file, m.data);
      if (!m.data.includes('xmlns="http://www.w3.org/2000/svg"')) problems.push(`${m.plot}.svg: no xmlns`);
      if (/var\(--/.test(m.data)) problems.push(`${m.plot}.svg: still refers to theme variables`);
      if (/<!--/.test(m.data)) problems.push(`${m.plot}.svg: has comments`);
      if (/hit-area|class="hover"/.test(m.data)) problems.push(`${m.plot}.svg: has the hover layer or hit area`);
    } else {
      writeFileSync(file, Buffer.from(m.data.slice('data:image/png;base64,'.length), 'base64'));
    }
    console.log(`  exported ${m.plot}.${m.format}: ${(m.data.length / 1024).toFixed(1)} KiB`);
  }
  return { problems, plots };
}

const { chromium } = require('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
let failures = 0;
try {
  // PREVIEW_ONLY=substring runs only the matching shots.
  for (const shot of shots.filter(x => !process.env.PREVIEW_ONLY || (x.name ?? `preview-${x.theme}-${x.scenario}`).includes(process.env.PREVIEW_ONLY))) {
    const name = shot.name ?? `preview-${shot.theme}-${shot.scenario}${shot.width < 700 ? '-narrow' : ''}`;
    writeFileSync(join(DIR, `${name}.html`), pageHtml(origin, shot.theme, shot.scenario));
    const page = await browser.newPage({ viewport: { width: shot.width, height: 900 }, deviceScaleFactor: 1 });
    const problems = [];
    page.on('pageerror', e => problems.push(`page error: ${e.message}`));
    page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    await page.goto(`${origin}/${name}.html`);
    if (EXPECT_TEXT[shot.scenario]) {
      await page.waitForFunction(t => window.__posted.some(m => m.type === 'rendered' && m.text.includes(t)), EXPECT_TEXT[shot.scenario], { timeout: 10000 })
        .catch(e => { throw new Error(`${name}: ${e.message}; ${problems.join('; ') || 'no page error'}`); });
    } else if (shot.scenario === 'regime-progress') {
      await page.waitForSelector('#regime-progress');
    } else if (shot.scenario === 'information-progress') {
      await page.waitForSelector('#information-progress');
    } else if (shot.scenario.startsWith('projection')) {
      await page.waitForSelector('#projection-legend', { timeout: 20000 });
    } else if (['report', 'small', 'compare', 'restore'].includes(shot.scenario)) {
      await page.waitForFunction(() => window.__posted.some(m => m.type === 'rendered'), null, { timeout: 10000 });
    } else {
      await page.waitForSelector(shot.scenario === 'error' ? '#error' : '#progress');
    }
    await page.evaluate(() => document.fonts.ready);
    await page.waitForTimeout(300);
    if (shot.toggleLogX) {
      await page.click('#log-x');
      await page.waitForTimeout(200);
    }
    if (shot.linearHover) {
      // Hover a point of the plot to show the read-out.
      await page.locator('#spectrum-plot').scrollIntoViewIfNeeded();
      const box = await page.locator('#spectrum-plot .hit-area').boundingBox();
      if (box) await page.mouse.move(box.x + box.width * 0.18, box.y + box.height / 2);
      await page.waitForTimeout(200);
    }
    if (shot.compareHover) {
      await page.locator('#compare-spectrum-plot').scrollIntoViewIfNeeded();
      const box = await page.locator('#compare-spectrum-plot .hit-area').boundingBox();
      if (box) await page.mouse.move(box.x + box.width * 0.42, box.y + box.height / 2);
      await page.waitForTimeout(200);
    }
    let exportPlots = [];
    if (shot.exports) {
      for (const id of ['#export-markdown', '#export-json', '#export-spectrum-svg', '#export-spectrum-png', '#export-cumulative-svg', '#export-row-norms-svg', '#export-row-norms-png']) {
        await page.click(id);
      }
      await page.waitForFunction(() => window.__posted.filter(m => m.type === 'exportPlot').length >= 5, null, { timeout: 10000 });
      const posted = await page.evaluate(() => window.__posted);
      const reports = posted.filter(m => m.type === 'exportReport').map(m => m.format);
      if (reports.join() !== 'markdown,json') problems.push(`export buttons posted ${JSON.stringify(reports)}`);
      const r = checkExports(posted, shot.theme);
      problems.push(...r.problems);
      exportPlots = r.plots;
    }
    if (shot.exportCompare) {
      await page.click('#export-compare-spectrum-svg');
      await page.click('#export-compare-spectrum-png');
      await page.waitForFunction(() => window.__posted.filter(m => m.type === 'exportPlot').length >= 2, null, { timeout: 10000 });
      const posted = await page.evaluate(() => window.__posted);
      const r = checkExports(posted, shot.theme);
      problems.push(...r.problems);
      exportPlots = r.plots;
      const rendered = posted.find(m => m.type === 'rendered');
      if (!rendered || rendered.file !== '/home/ada/runs/ckpt-1000/emb.npy') problems.push(`restored compare view: rendered ${JSON.stringify(rendered?.file)}`);
      if (await page.evaluate(() => document.getElementById('log-x')?.checked !== false)) problems.push('restored compare view lost the axis choice');
    }
    if (shot.regimeExports) {
      await page.click('#export-regime-loss-svg');
      await page.click('#export-regime-loss-png');
      await page.waitForFunction(() => window.__posted.filter(m => m.type === 'exportPlot').length >= 2, null, { timeout: 10000 });
      const r = checkExports(await page.evaluate(() => window.__posted), shot.theme);
      problems.push(...r.problems);
      exportPlots = r.plots;
      if (r.plots.map(m => m.plot).join() !== 'regime-loss,regime-loss') problems.push(`regime export posted ${JSON.stringify(r.plots.map(m => m.plot))}`);
    }
    if (shot.regimeHover) {
      await page.locator('#regime-loss-plot').scrollIntoViewIfNeeded();
      const box = await page.locator('#regime-loss-plot .hit-area').boundingBox();
      if (box) await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
      await page.waitForTimeout(200);
      if (!(await page.evaluate(() => !!document.querySelector('#regime-loss-plot .hover')))) problems.push('no hover read-out on the loss plot');
    }
    if (shot.scenario.startsWith('regime') && shot.scenario !== 'regime-progress') {
      // The regime is saved next to the report (and the stale mark with it).
      const saved = await page.evaluate(() => window.__state?.regime ?? null);
      if (shot.scenario === 'regime-error' ? saved !== null : !saved?.result) problems.push(`saved regime state: ${JSON.stringify(saved)?.slice(0, 80)}`);
      if (shot.checkStale && saved?.stale !== true) problems.push('the refreshed report did not mark the saved regime as from an earlier run');
    }
    if (shot.infoExports) {
      await page.click('#export-rate-distortion-svg');
      await page.click('#export-rate-distortion-png');
      await page.waitForFunction(() => window.__posted.filter(m => m.type === 'exportPlot').length >= 2, null, { timeout: 10000 });
      const r = checkExports(await page.evaluate(() => window.__posted), shot.theme);
      problems.push(...r.problems);
      exportPlots = r.plots;
      if (r.plots.map(m => m.plot).join() !== 'rate-distortion,rate-distortion') problems.push(`information export posted ${JSON.stringify(r.plots.map(m => m.plot))}`);
    }
    if (shot.infoHover) {
      await page.locator('#rd-plot').scrollIntoViewIfNeeded();
      const box = await page.locator('#rd-plot .hit-area').boundingBox();
      if (box) await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
      await page.waitForTimeout(200);
      if (!(await page.evaluate(() => !!document.querySelector('#rd-plot .hover')))) problems.push('no hover read-out on the R(D) plot');
    }
    if (shot.scenario.startsWith('information')) {
      const text = await page.evaluate(() => document.getElementById('information')?.innerText ?? '');
      if (/\bNaN\b|Infinity/.test(text)) problems.push('the information section shows NaN or Infinity');
      if (shot.scenario !== 'information-progress') {
        const saved = await page.evaluate(() => window.__state?.information ?? null);
        if (shot.scenario === 'information-error' ? saved !== null : !saved?.report) problems.push(`saved information state: ${JSON.stringify(saved)?.slice(0, 80)}`);
        if (shot.checkStale && saved?.stale !== true) problems.push('the refreshed report did not mark the saved information as from an earlier run');
      }
    }
    if (shot.scenario === 'report' && await page.$('#projection-section')) problems.push('a report without a projection shows a projection section');
    if (shot.projectionDrive) {
      const r = await driveProjection(page, isWebviewToHost);
      problems.push(...r.problems);
      const c = checkExports(r.exports, shot.theme);
      problems.push(...c.problems);
      exportPlots = c.plots;
    }
    if (shot.bench) await benchPan(page, shot.bench);
    if (shot.plotKeys) {
      // Each plot with the keyboard alone: the arrow keys, End and Escape move and clear the same
      // read-out the mouse shows, and the live region says the value. The last plot keeps its cursor for the shot.
      for (const [i, sel] of shot.plotKeys.entries()) {
        await page.focus(sel);
        for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'End', 'ArrowLeft']) await page.keyboard.press(key);
        await page.waitForTimeout(100);
        const seen = await page.evaluate(s => {
          const el = document.querySelector(s);
          return {
            live: document.getElementById(`${el.id}-live`)?.textContent ?? null,
            readout: el.querySelector('.hover') ? el.querySelector('.hover').textContent.trim() : document.getElementById('regime-prism-readout')?.textContent ?? '',
            focused: document.activeElement === el,
            focusRing: getComputedStyle(el).outlineStyle,
          };
        }, sel);
        console.log(`  ${sel} keys: ${JSON.stringify(seen).slice(0, 260)}`);
        if (!seen.focused || seen.focusRing === 'none') problems.push(`${sel}: not focused with a visible focus ring (${seen.focusRing})`);
        if (!seen.live || !seen.readout) problems.push(`${sel}: the keyboard cursor showed no read-out or announcement`);
        if (i === shot.plotKeys.length - 1) break;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(100);
        const cleared = await page.evaluate(s => {
          const el = document.querySelector(s);
          return !el.querySelector('.hover') && !document.getElementById('regime-prism-readout') && !document.getElementById(`${el.id}-live`).textContent;
        }, sel);
        if (!cleared) problems.push(`${sel}: Escape did not clear the cursor`);
      }
    }
    if (shot.picker) {
      await page.click('#array-picker');
      await page.waitForTimeout(250);
    }
    if (shot.focus) {
      // Tab from the top of the page until the target has focus; the path shows the tab order.
      const order = [];
      await page.evaluate(() => document.activeElement?.blur());
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press('Tab');
        const at = await page.evaluate(sel => {
          const a = document.activeElement;
          return { id: a?.id || a?.tagName.toLowerCase() || '', hit: !!a && a.matches(sel) };
        }, shot.focus);
        order.push(at.id);
        if (at.hit) break;
      }
      console.log(`  tab order: ${order.join(' > ')}`);
      if (!(await page.evaluate(sel => document.activeElement?.matches(sel), shot.focus))) problems.push(`${shot.focus} not reachable with Tab`);
      await page.waitForTimeout(150);
    }
    const info = await page.evaluate(() => ({
      posted: window.__posted.map(m => m.type),
      csp: window.__csp,
      shape: document.getElementById('overview-shape')?.textContent ?? null,
      rows: document.getElementById('overview-rows')?.textContent ?? null,
      svg: document.getElementById('spectrum-plot')?.getAttribute('aria-label') ?? null,
      state: window.__state ? Object.keys(window.__state) : null,
      textLength: (window.__posted.findLast(m => m.type === 'rendered') ?? { text: '' }).text.length,
    }));
    const rendered = await page.evaluate(() => window.__posted.findLast(m => m.type === 'rendered'));
    if (rendered) writeFileSync(join(DIR, `${name}.txt`), rendered.text);
    let clip = shot.clip;
    if (clip === 'focus') {
      const b = await page.evaluate(() => { const r = document.activeElement.closest('figure')?.getBoundingClientRect(); return r && { x: r.x, y: r.y + window.scrollY, width: r.width, height: r.height }; });
      clip = b ? { x: Math.max(0, b.x - 10), y: Math.max(0, b.y - 10), width: b.width + 20, height: Math.min(b.height + 20, 500) } : undefined;
    }
    if (shot.element) {
      await page.locator(shot.element).screenshot({ path: join(OUT, `${name}.png`) });
      if (shot.fullPageToo) await page.screenshot({ path: join(OUT, `${name}-page.png`), fullPage: true });
    } else {
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true, clip });
    }
    if (shot.picker) {
      // Choose the next array with the keyboard: the page asks the host for it.
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.waitForTimeout(200);
      const chosen = await page.evaluate(() => window.__posted.filter(m => m.type === 'selectArray'));
      console.log(`  array picker posted ${JSON.stringify(chosen)}`);
      if (chosen.length !== 1 || chosen[0].name !== 'query_embeddings') problems.push(`array picker posted ${JSON.stringify(chosen)}`);
    }
    // How the saved SVGs look on their own (outside VS Code's theme variables).
    for (const m of exportPlots.filter(p => p.format === 'svg')) {
      const view = await browser.newPage({ viewport: { width: 1300, height: 400 } });
      const wrapper = `export-${shot.theme}-${m.plot}.html`;
      writeFileSync(join(DIR, wrapper), `<!DOCTYPE html><body style="margin:0;padding:12px;background:#808080"><img src="export-${shot.theme}-${m.plot}.svg"></body>`);
      await view.goto(`${origin}/${wrapper}`);
      await view.waitForFunction(() => document.images[0]?.complete);
      await view.screenshot({ path: join(OUT, `preview-export-${shot.theme}-${m.plot}-svg.png`), fullPage: true });
      await view.close();
    }
    console.log(`${name}.png`, JSON.stringify(info));
    for (const p of [...problems, ...info.csp.map(c => `CSP violation: ${c}`)]) {
      console.log(`  ! ${p}`);
      failures++;
    }
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`webview bundle (minified): ${(bundleBytes / 1024).toFixed(1)} KiB`);
if (failures) {
  console.error(`${failures} problem(s) found`);
  process.exitCode = 1;
}
