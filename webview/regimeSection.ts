/**
 * The "Autoencoder regime" section (#regime): the plain-words regime label, the learning-rate
 * verdict, the prism with the configuration's place, the predicted and simulated loss curves,
 * the numbers behind them, the findings and where the formulas come from. While the analysis
 * runs it shows a progress bar, and an error box when it fails; the report stays above it.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { RegimeResult } from '../src/core/regime/regimeResult';
import type { RegimeReport } from '../src/core/regime/regimeReport';
import { FACE_IDS, FACE_NAMES, type FaceId } from '../src/core/regime/prismPlacement';
import { formatCount, formatNumber, formatPercent } from './format';
import type { PlotFormat } from './plotExport';
import { assembleCurves, layoutLossPlot, type LossLayout } from './regimeCurves';
import { lossPlot } from './regimeLossPlot';
import { prismFigure } from './regimePrism';
import { FACE_DISTANCE_INFO, PARAMETER_INFO } from './regimeTexts';

/** What the section shows: nothing until a regime message arrives, then one of these. */
export type RegimeView =
  | { kind: 'progress'; fraction: number; message: string }
  | { kind: 'error'; code: string; message: string }
  /** `stale`: a later report of the same array arrived without a new regime. */
  | { kind: 'result'; result: RegimeResult; stale: boolean };

export interface RegimeSectionView {
  /** Drawing width of the loss plot. */
  width: number;
  hoverIndex: number | null;
  /** The prism's keyboard cursor (a stop of prismItems()), null when none. */
  prismCursor: number | null;
}

export interface RegimeActions {
  exportPlot(format: PlotFormat): void;
  setHover(index: number | null): void;
  setPrismCursor(position: number | null): void;
}

export const LOSS_PLOT_HEIGHT = 320;

const COMMAND = 'Embeddings: Predict Autoencoder Regime\u2026';

const VERDICT: Record<string, { title: string; icon: string }> = {
  ok: { title: 'Learning rate OK', icon: 'pass' },
  'lags-flow': { title: 'Learning rate: GD lags the gradient flow', icon: 'info' },
  oscillates: { title: 'Learning rate: oscillates (bounded, no convergence)', icon: 'warning' },
  'unstable-early': { title: 'Learning rate: diverges early', icon: 'error' },
  diverges: { title: 'Learning rate: diverges', icon: 'error' },
};

const CONVENTION: Record<string, string> = {
  'gradient-flow': 'gradient-flow units',
  'torch-mse-mean': 'PyTorch MSELoss(reduction="mean") units',
};

const conventionWords = (c: string) => CONVENTION[c] ?? c;
const fmt = (v: number | null | undefined, sig = 4) => formatNumber(v ?? null, sig);

/** A symbol with its meaning as a tooltip (and for screen readers), focusable like the metrics table's names. */
function sym(text: unknown, info: string): TemplateResult {
  return html`<span class="metric-name" tabindex="0" title=${info} aria-description=${info}>${text}</span>`;
}

function parameterList(params: readonly { name: string; value: number }[]): TemplateResult {
  return html`${params.map((q, i) => {
    const p = PARAMETER_INFO[q.name] ?? { symbol: q.name, info: q.name };
    return html`${i ? ', ' : ''}<span class="param" title=${p.info}>${p.symbol} = ${fmt(q.value, 3)}</span>`;
  })}`;
}

// ---------------------------------------------------------------- summary

function stepBlock(r: RegimeReport): TemplateResult {
  const s = r.stepSize;
  const v = VERDICT[s.verdict] ?? { title: s.verdict, icon: 'info' };
  const conv = conventionWords(r.autoencoder.convention);
  const gf = r.autoencoder.convention !== 'gradient-flow' ? ` = ${fmt(s.largestSafeStep.value, 3)} in gradient-flow units` : '';
  return html`<div id="regime-step" class=${`regime-step verdict-${s.verdict}`} data-verdict=${s.verdict}>
    <span class="verdict-badge"><vscode-icon name=${v.icon} size="14"></vscode-icon><span>${v.title}</span></span>
    <p class="step-message">${s.message}</p>
    <p class="step-safe">Largest safe step <strong class="mono">${fmt(s.largestSafeStepInput, 3)}</strong>
      <span class="muted">(${conv}${gf}); your step: <span class="mono">${fmt(r.autoencoder.etaInput, 3)}</span></span></p>
  </div>`;
}

function summary(result: RegimeResult, view: RegimeSectionView, actions: RegimeActions): TemplateResult {
  const r = result.regime, p = r.placement, a = r.autoencoder;
  const nearestEps = p.distances[p.nearest].value;
  return html`<div class="regime-summary">
    <div class="regime-main">
      <div class="regime-eyebrow">Learning regime</div>
      <p id="regime-label" class="regime-label">${p.label}</p>
      <p class="regime-nearest">
        <span>Nearest face: <strong>${p.nearestName}</strong> <span class="muted">(\u03b5 = ${fmt(nearestEps, 3)})</span>${p.nearEdge
          ? html`, near the <strong>${FACE_NAMES[p.nearEdge]}</strong> edge <span class="muted">(\u03b5 = ${fmt(p.distances[p.nearEdge].value, 3)})</span>` : nothing}${p.interior
          ? html`; every distance is at least 0.7 (prism interior)` : nothing}.</span>
        ${p.closedFormApplies
          ? html`<span class="closed-form yes"><vscode-icon name="check" size="14"></vscode-icon>closed form applies</span>`
          : html`<span class="closed-form no"><vscode-icon name="circle-slash" size="14"></vscode-icon>no closed form</span>`}
      </p>
      ${p.closedFormApplies ? nothing : html`<p class="regime-no-formula" id="regime-no-closed-form"><vscode-icon name="info" class="sev-info"></vscode-icon>
        <span>No closed form applies here (prism interior, or the free face with finite data): only the simulation is shown</span></p>`}
      ${stepBlock(r)}
      <p class="regime-model muted">
        Weight-tied linear autoencoder f(x) = W\u1d40Wx with
        <span class="mono">H = ${formatCount(a.latentWidth)}</span>, <span class="mono">\u03c3\u00b2 = ${fmt(a.sigma2.value, 3)}</span>,
        <span class="mono">\u03b7 = ${fmt(a.etaInput, 3)}</span> (${conventionWords(a.convention)}),
        <span class="mono">${formatCount(a.steps)}</span> steps (t = ${fmt(a.tMax, 3)}) on
        <span class="mono">${formatCount(r.input.trainRows)}</span> train rows, d = <span class="mono">${formatCount(r.input.inputDim)}</span>.
      </p>
    </div>
    ${prismFigure(p, { position: view.prismCursor, select: actions.setPrismCursor })}
  </div>`;
}

// ---------------------------------------------------------------- loss plot

let layoutCache: { result: RegimeResult; width: number; layout: LossLayout } | undefined;

/** The plot's layout, recomputed only when the result or the width changes (not on hover). */
export function regimeLossLayout(result: RegimeResult, width: number): LossLayout {
  if (!layoutCache || layoutCache.result !== result || layoutCache.width !== width) {
    layoutCache = { result, width, layout: layoutLossPlot(assembleCurves(result.regime), { width, height: LOSS_PLOT_HEIGHT }) };
  }
  return layoutCache.layout;
}

function toolbar(actions: RegimeActions): TemplateResult {
  const button = (format: PlotFormat, icon: string) => html`<vscode-toolbar-button class="export-button" id=${`export-regime-loss-${format}`}
      icon=${icon} label=${`Save the loss curves plot as ${format.toUpperCase()}`} title=${`Save as ${format.toUpperCase()}`}
      @click=${() => actions.exportPlot(format)}>${format.toUpperCase()}</vscode-toolbar-button>`;
  return html`<div class="plot-toolbar" role="toolbar" aria-label="Loss curves plot actions">${button('svg', 'file-code')}${button('png', 'file-media')}</div>`;
}

function lossFigure(result: RegimeResult, view: RegimeSectionView, actions: RegimeActions): TemplateResult {
  const layout = regimeLossLayout(result, view.width);
  const c = layout.curves;
  const caption = c.simulationOnly
    ? html`No closed form applies here: only the simulated full-batch GD is shown (mean of ${formatCount(c.runs)} runs as markers, \u00b11 sd as a band).`
    : html`Colour: <span class="q-word q-train">train</span> and <span class="q-word q-pop">population</span> loss.
      Lines: the face predictions (nearest solid, second dashed), faded past the time up to which the face's validity diagnostic holds (vertical markers).
      ${c.simulation.length ? html`Markers and band: the full-batch GD check, mean \u00b11 sd over ${formatCount(c.runs)} runs.` : 'No simulation was run.'}
      ${layout.logY ? 'The loss axis is logarithmic (the values span more than two decades).' : nothing}`;
  return html`<figure class="plot-figure" id="regime-loss-figure">
    <div class="plot-header">
      <span class="plot-title">Loss curves: prediction and simulation</span>
      <div class="plot-header-aside">${toolbar(actions)}</div>
    </div>
    <div class="plot-body">${lossPlot({ layout, hoverIndex: view.hoverIndex, onHover: actions.setHover })}</div>
    <figcaption id="regime-loss-caption">${caption}</figcaption>
  </figure>`;
}

// ---------------------------------------------------------------- numbers

function placementTable(r: RegimeReport): TemplateResult {
  const p = r.placement;
  const coordRow = (label: string, formula: string, info: string, v: number | null) => html`<tr>
    <th scope="row">${sym(label, info)}</th><td class="num">${fmt(v, 3)}</td><td class="detail formula">${formula}</td></tr>`;
  return html`<table class="data-table regime-table">
    <caption>Distance \u03b5 to each face: smaller is closer; below 0.7 the face's formula applies (spec \u00a75a). Hover a symbol for its meaning.</caption>
    <thead><tr><th scope="col">Face</th><th scope="col" class="num">\u03b5</th><th scope="col">Parameters</th></tr></thead>
    <tbody>
      ${FACE_IDS.map(f => html`<tr id=${`regime-face-${f}`} class=${f === p.nearest ? 'current' : nothing}>
        <th scope="row">${sym(html`${FACE_NAMES[f]} <span class="muted">(${f})</span>`, FACE_DISTANCE_INFO[f])}
          ${f === p.nearest ? html`<span class="tag nearest-tag">nearest</span>` : f === p.nearEdge ? html`<span class="tag">near edge</span>` : nothing}</th>
        <td class="num">${fmt(p.distances[f].value, 3)}</td>
        <td class="params">${parameterList(p.parameters[f])}</td>
      </tr>`)}
    </tbody>
    <tbody class="group">
      <tr class="group-head"><th scope="rowgroup" colspan="3">Shape of the data and prism coordinates</th></tr>
      ${coordRow('Anisotropy \u03b5_aniso', '\u221amax(0, p\u00b7tr(\u03a3\u0302\u00b2)/(tr \u03a3\u0302)\u00b2 \u2212 1 \u2212 p/n)',
        'How far the train covariance is from isotropic after removing the Marchenko\u2013Pastur spread; the large-data formula assumes \u2248 0 (trusted below 0.3).', p.anisotropy.value)}
      ${coordRow('Latent coordinate', 'log(H/p)', 'Latent axis of the prism: \u2212\u221e is the narrow-latent face, +\u221e the mean-field face.', p.coordinates.latent.value)}
      ${coordRow('Data coordinate', 'log(p/n)', 'Data axis of the prism: \u2212\u221e is the large-data face, +\u221e the small-data face.', p.coordinates.data.value)}
      ${coordRow('Init coordinate', 'log(\u03c3\u00b2 max(p,H))', 'Init axis of the prism: +\u221e is the free face, \u2212\u221e the small-init edge E.', p.coordinates.init.value)}
    </tbody>
  </table>`;
}

function rowsDescription(result: RegimeResult): string {
  const s = result.source;
  return s.sampled
    ? `uniform sample of ${formatCount(s.rowsRead)} of ${formatCount(s.rowsTotal)} rows (seed ${s.seed})`
    : `all ${formatCount(s.rowsTotal)} rows`;
}

function modelTable(result: RegimeResult): TemplateResult {
  const r = result.regime, a = r.autoencoder, s = r.stepSize, i = r.input, src = result.source;
  const row = (label: unknown, value: unknown, detail: unknown, id?: string) => html`<tr id=${id ?? nothing}>
    <th scope="row">${label}</th><td class="num">${value}</td><td class="detail">${detail}</td></tr>`;
  const conv = conventionWords(a.convention);
  const population = i.populationSource === 'held-out' ? 'population loss from the held-out rows'
    : i.populationSource === 'given' ? 'population covariance given' : 'no population loss (no held-out rows)';
  return html`<table class="data-table regime-table">
    <caption>The planned model, the training run and the checks. Hover a symbol for its meaning.</caption>
    <thead><tr><th scope="col">Quantity</th><th scope="col" class="num">Value</th><th scope="col">Detail</th></tr></thead>
    <tbody>
      ${row(sym('Latent width H', 'H: rows of the encoder W (H \u00d7 d); the decoder is W\u1d40.'), formatCount(a.latentWidth),
        `H/p = ${fmt(a.latentWidth / Math.max(1, i.inputDim), 3)} with input dimension p = d = ${formatCount(i.inputDim)}`)}
      ${row(sym('Init variance \u03c3\u00b2', 'Variance of the entries of W at initialisation; \u03c3 = its square root.'), fmt(a.sigma2.value, 3), a.initMapping)}
      ${row(sym('Learning rate \u03b7', 'The step of full-batch gradient descent, as given and in gradient-flow units (t = k\u00b7\u03b7).'),
        fmt(a.etaInput, 3), a.convention === 'gradient-flow' ? `${conv} (t = k\u00b7\u03b7)`
          : html`${conv}; <span class="mono">${fmt(a.eta.value, 3)}</span> in gradient-flow units <span class="muted">(${a.learningRateMapping})</span>`)}
      ${row(sym('Steps and horizon', 'Number of GD steps k and the gradient-flow time they reach, t = k\u00b7\u03b7.'),
        formatCount(a.steps), `t = ${fmt(a.tMax, 3)}`)}
      ${r.timeConvention ? row(sym('Time convention', 'How gradient-flow time is counted in every curve and formula of this section.'), 'T = 1', r.timeConvention, 'regime-time-convention') : nothing}
      ${row(sym('Largest safe step', 'The largest step with which GD converges: \u03b7\u03bb_max < \u00bd at the minimum (Euler multiplier 1 \u2212 4\u03b7\u03bb_max), and \u03b7\u03bb_max(a_max \u2212 1) < 1 early on, with a_max \u2248 \u03c3\u00b2(\u221ap+\u221aH)\u00b2 at init (spec \u00a75c [DER], checked by GD). Between \u00bd/\u03bb_max and 1/\u03bb_max GD oscillates, bounded; beyond, or past the early bound, it diverges.'),
        fmt(s.largestSafeStepInput, 3), `${conv}${a.convention !== 'gradient-flow' ? `; ${fmt(s.largestSafeStep.value, 3)} in gradient-flow units` : ''}; verdict: ${s.verdict}`)}
    </tbody>
    <tbody class="group">
      <tr class="group-head"><th scope="rowgroup" colspan="3">Long-time limits and agreement</th></tr>
      ${r.limits.applies
        ? html`${row(sym('L_train(\u221e)', 'Exact limit of the train loss as t \u2192 \u221e (H < d): half the train variance outside the top-H eigenvectors.'), fmt(r.limits.train.value), r.limits.note, 'regime-limit-train')}
          ${row(sym('L_pop(\u221e)', 'Limit of the population loss: the held-out variance outside the top-H train eigenvectors.'), fmt(r.limits.pop.value), 'closed form (spec \u00a75c)', 'regime-limit-pop')}`
        : row(sym('Long-time limits', 'L_train(\u221e) and L_pop(\u221e), exact when H < d.'), '\u2014', r.limits.note)}
      ${r.agreement.length === 0
        ? row(sym('Agreement', 'Max relative gap between a prediction and the GD mean over its trusted horizon.'), '\u2014',
          r.simulation ? 'no face prediction to compare' : 'no simulation was run')
        : r.agreement.map(g => row(
          sym(html`Agreement: ${FACE_NAMES[g.face]}`, 'Max over recorded t \u2264 horizon of |prediction \u2212 GD mean| / max(|GD mean|, 1% of its start): how well the face formula matches gradient descent.'),
          g.maxRelativeGapTrain === null ? '\u2014'
            : `${formatPercent(g.maxRelativeGapTrain)}${g.maxRelativeGapPop !== null ? ` / ${formatPercent(g.maxRelativeGapPop)}` : ''}`,
          g.horizon === null ? 'not compared: the prediction is not trusted at any t'
            : `max relative gap to the GD mean over t \u2264 ${fmt(g.horizon, 3)} (train${g.maxRelativeGapPop !== null ? ' / population' : ''})`))}
    </tbody>
    <tbody class="group">
      <tr class="group-head"><th scope="rowgroup" colspan="3">Rows used</th></tr>
      ${row(sym('Rows read', 'Rows of the array loaded for the regime analysis (a seeded uniform sample when there are more than the limit).'),
        formatCount(src.rowsRead), html`${rowsDescription(result)}${src.droppedNonFinite ? html`; <strong>${formatCount(src.droppedNonFinite)}</strong> rows with NaN/Inf dropped` : '; no non-finite rows'}${src.droppedNull ? html`; <strong>${formatCount(src.droppedNull)}</strong> null rows left out` : nothing}`, 'regime-rows')}
      ${row(sym('Train / held-out', 'Rows the model trains on and rows kept out for the population loss.'),
        `${formatCount(i.trainRows)} / ${formatCount(i.heldOutRows)}`, population)}
      ${row(sym('Preprocessing', 'The model has no bias, so the columns are centered; optional rescaling makes tr(\u03a3\u0302)/p = 1.'),
        i.centered ? 'centered' : 'raw', `${i.centered ? `mean of norm ${fmt(i.meanNorm.value, 3)} removed` : 'not centered'}; ${i.rescaled ? `rescaled by ${fmt(i.scaleFactor.value, 4)}` : 'not rescaled'}`)}
    </tbody>
  </table>`;
}

// ---------------------------------------------------------------- the section

function resultBody(v: Extract<RegimeView, { kind: 'result' }>, view: RegimeSectionView, actions: RegimeActions): TemplateResult {
  const r = v.result.regime;
  return html`
    ${v.stale ? html`<p class="regime-stale" id="regime-stale" role="status"><vscode-icon name="history"></vscode-icon>
      <span>This regime is from an earlier run; run ${COMMAND} again to refresh.</span></p>` : nothing}
    ${summary(v.result, view, actions)}
    ${lossFigure(v.result, view, actions)}
    <div id="regime-table" class="regime-tables">
      ${placementTable(r)}
      ${modelTable(v.result)}
    </div>
    ${r.findings.length ? html`<div class="regime-findings">
      <h3>Regime findings</h3>
      <ul id="regime-findings" class="finding-list compact">
        ${r.findings.map(f => html`<li class="finding"><vscode-icon name="lightbulb" class="finding-icon sev-info"></vscode-icon><p class="finding-message">${f}</p></li>`)}
      </ul>
    </div>` : nothing}
    <p id="regime-provenance" class="regime-provenance"><vscode-icon name="book" size="13"></vscode-icon>
      <span><strong>Sources:</strong> ${r.provenanceNote}</span></p>`;
}

function progressBody(v: Extract<RegimeView, { kind: 'progress' }>): TemplateResult {
  const det = Number.isFinite(v.fraction) && v.fraction >= 0 && v.fraction <= 1;
  return html`<div class="regime-progress" id="regime-progress" role="status" aria-live="polite">
    ${det
      ? html`<vscode-progress-bar .value=${Math.round(v.fraction * 1000) / 10} max="100" aria-label="Regime analysis progress"></vscode-progress-bar>`
      : html`<vscode-progress-bar indeterminate aria-label="Regime analysis progress"></vscode-progress-bar>`}
    <p><span>${v.message}</span>${det ? html` <span class="muted">(${formatPercent(v.fraction)})</span>` : nothing}</p>
    <p class="muted">Placing the planned autoencoder in the prism of regimes, predicting its loss curves and checking them with full-batch gradient descent.</p>
  </div>`;
}

function errorBody(v: Extract<RegimeView, { kind: 'error' }>): TemplateResult {
  return html`<div class="error-box regime-error" id="regime-error" role="alert">
    <vscode-icon name="error" class="sev-error error-icon" size="20"></vscode-icon>
    <div class="state-body">
      <p class="regime-error-title">The regime analysis did not finish</p>
      <p class="error-line"><code id="regime-error-code">${v.code}</code></p>
      <p id="regime-error-message" class="error-message">${v.message}</p>
      <p class="muted">Run ${COMMAND} to try again.</p>
    </div>
  </div>`;
}

export function regimeSection(v: RegimeView, view: RegimeSectionView, actions: RegimeActions): TemplateResult {
  const body = v.kind === 'result' ? resultBody(v, view, actions) : v.kind === 'progress' ? progressBody(v) : errorBody(v);
  const aside = v.kind === 'result'
    ? html`<span class="muted" title=${v.result.source.file}>${v.result.source.arrayName} \u00b7 ${rowsDescription(v.result)}</span>`
    : v.kind === 'progress' ? html`<span class="muted">Running\u2026</span>` : nothing;
  return html`<section class="section regime" id="regime" aria-labelledby="regime-heading" aria-busy=${v.kind === 'progress' ? 'true' : 'false'}>
    <header class="section-header">
      <h2 id="regime-heading">Autoencoder regime</h2>
      ${aside === nothing ? nothing : html`<div class="section-aside">${aside}</div>`}
    </header>
    ${body}
  </section>`;
}
