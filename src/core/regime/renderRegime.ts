import type { RegimeReport } from './regimeReport';
import { FACE_IDS, FACE_NAMES } from './prismPlacement';
import { formatNumber } from '../report/format';

/** Where the regime numbers came from, for the text and Markdown outputs. */
export interface RegimeSource { file: string; arrayName: string; rowsTotal: number; rowsRead: number; droppedNonFinite: number; /** null rows (missing list rows) left out */ droppedNull?: number; sampled: boolean; seed: number }

const fmt = (x: number | null | undefined) => formatNumber(x ?? null);

function rowsLine(src: RegimeSource, r: RegimeReport): string {
  const read = src.sampled ? `uniform sample of ${src.rowsRead} of ${src.rowsTotal} rows (seed ${src.seed})` : `all ${src.rowsTotal} rows`;
  const dropped = src.droppedNonFinite ? `, ${src.droppedNonFinite} rows with NaN/Inf dropped` : '';
  const nulls = src.droppedNull ? `, ${src.droppedNull} null rows left out` : '';
  return `${read}${dropped}${nulls}; ${r.input.trainRows} train + ${r.input.heldOutRows} held-out rows, d = ${r.input.inputDim}`;
}

export function renderRegimeText(r: RegimeReport, src: RegimeSource): string {
  const L: string[] = [];
  const a = r.autoencoder;
  L.push(`${src.file} [${src.arrayName}] — weight-tied linear autoencoder f(x) = WᵀWx`);
  L.push(`  data        ${rowsLine(src, r)}`);
  L.push(`  model       H = ${a.latentWidth}, σ² = ${fmt(a.sigma2.value)} (${a.initMapping}), η = ${fmt(a.etaInput)} (${a.convention}) = ${fmt(a.eta.value)} in gradient-flow units, ${a.steps} steps (t = ${fmt(a.tMax)})`);
  L.push('');
  L.push(`Regime: ${r.placement.label}`);
  L.push(`  distance to each face (smaller is closer; ${r.placement.provenance})`);
  for (const f of FACE_IDS) {
    const params = r.placement.parameters[f].map(p => `${p.name} = ${fmt(p.value)}`).join(', ');
    L.push(`    ${f.padEnd(3)} ${FACE_NAMES[f].padEnd(14)} ε = ${fmt(r.placement.distances[f].value).padEnd(10)} ${params}`);
  }
  L.push(`  anisotropy ε = ${fmt(r.placement.anisotropy.value)}; prism coordinates latent ${fmt(r.placement.coordinates.latent.value)}, data ${fmt(r.placement.coordinates.data.value)}, init ${fmt(r.placement.coordinates.init.value)}`);
  if (!r.placement.closedFormApplies) L.push('  No closed form applies here (prism interior, or the free face with finite data): only the simulation is shown.');
  L.push('');
  L.push(`Learning rate: ${r.stepSize.verdict} — ${r.stepSize.message}`);
  L.push(`  largest safe step ${fmt(r.stepSize.largestSafeStepInput)} (${a.convention})`);
  if (r.limits.applies) L.push(`Long-time limits (H < d, exact): L_train(∞) = ${fmt(r.limits.train.value)}, L_pop(∞) = ${fmt(r.limits.pop.value)}`);
  L.push('');
  for (const p of r.predictions) {
    const last = p.train.length - 1;
    // quote the curve at the end of its trusted horizon: past it the formula's values mean nothing
    const k = p.trustedUntil === null ? -1 : Math.max(0, p.t.findLastIndex(t => t <= p.trustedUntil!));
    const at = k < 0 ? 'not trusted at any t' : `L_train(t=${fmt(p.t[k])}) = ${fmt(p.train[k])}${p.pop ? `, L_pop = ${fmt(p.pop[k])}` : ''}${k < last ? ' (end of its trusted horizon)' : ''}`;
    L.push(`Prediction (${p.role}, ${p.faceName}, ${p.kind}): ${at}; ${p.diagnostic.name} ${p.diagnostic.ok ? 'holds' : 'fails'} (${p.diagnostic.description})`);
  }
  const s = r.simulation;
  if (s) {
    const last = s.t.length - 1;
    L.push(`Simulation (full-batch GD, ${s.runs} seeds${s.divergedRuns ? `, ${s.divergedRuns} diverged` : ''}): L_train(t=${fmt(s.t[last])}) = ${fmt(s.trainMean[last])} ± ${fmt(s.trainSd[last])}${s.popMean ? `, L_pop = ${fmt(s.popMean[last])} ± ${fmt(s.popSd?.[last])}` : ''}`);
  }
  for (const g of r.agreement) {
    L.push(`Agreement with ${FACE_NAMES[g.face]}: max relative gap ${fmt(g.maxRelativeGapTrain)} (train), ${fmt(g.maxRelativeGapPop)} (population) over t ≤ ${fmt(g.horizon)}`);
  }
  if (r.findings.length) {
    L.push('');
    L.push('Findings');
    for (const f of r.findings) L.push(`  - ${f}`);
  }
  L.push('');
  L.push(`Time: ${r.timeConvention}`);
  L.push(`Note: ${r.provenanceNote}`);
  return L.join('\n') + '\n';
}

export function renderRegimeMarkdown(r: RegimeReport, src: RegimeSource): string {
  const a = r.autoencoder;
  const L: string[] = [];
  L.push(`### Autoencoder regime: \`${src.file.replace(/`/g, "'")}\``);
  L.push('');
  L.push(`**${r.placement.label}** — ${rowsLine(src, r)}; H = ${a.latentWidth}, σ² = ${fmt(a.sigma2.value)}, η = ${fmt(a.etaInput)} (${a.convention}), ${a.steps} steps`);
  L.push('');
  L.push('| face | ε (distance) | parameters |\n|---|---|---|');
  for (const f of FACE_IDS) {
    L.push(`| ${FACE_NAMES[f]}${f === r.placement.nearest ? ' (nearest)' : ''} | ${fmt(r.placement.distances[f].value)} | ${r.placement.parameters[f].map(p => `${p.name} = ${fmt(p.value)}`).join(', ')} |`);
  }
  L.push('');
  L.push(`**Learning rate:** ${r.stepSize.verdict} — ${r.stepSize.message}`);
  if (r.limits.applies) L.push(`\n**Long-time limits:** L_train(∞) = ${fmt(r.limits.train.value)}, L_pop(∞) = ${fmt(r.limits.pop.value)}`);
  for (const f of r.findings) L.push(`- ${f}`);
  L.push('');
  L.push(`_Time: ${r.timeConvention}_`);
  L.push('');
  L.push(`_${r.provenanceNote}_`);
  return L.join('\n') + '\n';
}
