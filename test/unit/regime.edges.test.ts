/**
 * Spec §3.6: the face formulas agree on shared edges.
 * - LD with y → ∞ and MF with γ → 0 both become the logistic map of a₀ = c (per p: ½(a(t;c,1) − 1)²);
 * - LD with y → 0 and NL with γ → 0 both give p/2 + (H/2)[(m₀−1)² − 1], m₀' = 4m₀(1−m₀), m₀(0) = z;
 * - MF with c → 0 and NL with z → 0 describe the same saddle escape, delayed by ln(1/c)/(4λ).
 * The edge limits are the spec's closed forms; the face values at small ratios are also checked
 * against test/fixtures/regime/edge_limits.json (numpy).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { largeDataLossPerP, logistic, meanFieldLoss, narrowLatentMoments } from '../../src/core/regime/faceCurves';
import { marchenkoPasturQuadrature } from '../../src/core/regime/marchenkoPastur';
import { assertAllClose, FIXTURES } from './support';

const edges = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'regime', 'edge_limits.json'), 'utf8'));
const TS = [0, 0.25, 0.5, 1, 2];

/** |face − edge| ≤ k·√ratio·|edge| + floor: the edge is reached at rate O(√ratio). */
function approaches(face: number[], edge: number[], ratio: number, what: string, floor = 1e-8): void {
  for (let i = 0; i < edge.length; i++) {
    const tol = 2 * Math.sqrt(ratio) * Math.abs(edge[i]) + floor;
    assert.ok(Math.abs(face[i] - edge[i]) <= tol, `${what}[${i}]: ${face[i]} vs edge ${edge[i]} (tol ${tol})`);
  }
}

test('LD ∩ MF edge: LD with y → ∞ and MF with γ → 0 give the logistic map of a₀ = c', () => {
  const c = 0.5;
  const edge = TS.map(t => 0.5 * (logistic(c, 1, t) - 1) ** 2);
  assertAllClose(edge, edges.logisticEdge.value, 1e-12, 'edge formula vs numpy');
  const ld = largeDataLossPerP(1e4, c / 1e4, TS);
  const { x, w } = marchenkoPasturQuadrature(1e-4);
  const mf = meanFieldLoss(x, w, c, TS).train;
  approaches(ld, edge, 1e-4, 'LD y = 1e4');
  approaches(mf, edge, 1e-4, 'MF γ = 1e−4');
  assertAllClose(ld, edges.logisticEdge.LD_y1e4, 1e-6, 'LD y = 1e4 vs numpy');
  assertAllClose(mf, edges.logisticEdge['MF_gamma1e-4'], 1e-6, 'MF γ = 1e−4 vs numpy');
  // At γ = 0 exactly (Σ̂ = I) the mean-field face IS the logistic map.
  assertAllClose(meanFieldLoss([1], [1], c, TS).train, edge, 1e-15, 'MF at Σ̂ = I');
});

test('LD ∩ NL edge: LD with y → 0 and NL with γ → 0 give p/2 + (H/2)[(m₀−1)² − 1]', () => {
  const z = 1.5, y = 1e-4;
  const m0 = TS.map(t => logistic(z, 1, t)); // m₀' = 4m₀(1 − m₀), m₀(0) = z
  const edgePerH = m0.map(m => m * m / 2 - m); // ½[(m₀−1)² − 1]
  assertAllClose(edgePerH, edges.narrowEdge.valuePerH, 1e-12, 'edge formula vs numpy');
  const ldPerH = largeDataLossPerP(y, z, TS).map(v => (v - 0.5) / y); // (L/p − ½)/y = (L − p/2)/H
  const { x, w } = marchenkoPasturQuadrature(1e-4, 400);
  const nl = narrowLatentMoments(x, w, z, TS);
  const nlPerH = nl.m0.map((m, i) => (m * nl.m1[i]) / 2 - nl.m1[i]);
  approaches(ldPerH, edgePerH, y, 'LD y = 1e−4');
  approaches(nlPerH, edgePerH, 1e-4, 'NL γ = 1e−4');
  assertAllClose(ldPerH, edges.narrowEdge['LD_y1e-4_perH'], 1e-6, 'LD y = 1e−4 vs numpy');
  assertAllClose(nlPerH, edges.narrowEdge['NL_gamma1e-4_perH'], 1e-5, 'NL γ = 1e−4 vs numpy (400 vs 4000 nodes)');
});

test('MF ∩ NL edge (small init): the same saddle escape, delayed by ln(1/c)/4', () => {
  const { x, w } = marchenkoPasturQuadrature(1e-4, 200);
  const grid = Array.from({ length: 501 }, (_, i) => i * 0.01);
  /** Time at which a decreasing curve on `grid` crosses `level` (linear interpolation). */
  const crossing = (v: number[], level: number) => {
    for (let i = 1; i < v.length; i++) if (v[i] <= level) return grid[i - 1] + ((v[i - 1] - level) / (v[i - 1] - v[i])) * 0.01;
    return NaN;
  };
  const half: Record<string, number> = {};
  for (const [c, tag] of [[1e-3, '0.001'], [1e-6, '1e-06']] as const) {
    const mf = meanFieldLoss(x, w, c, grid).train;
    half[`MF_${tag}`] = crossing(mf, mf[0] / 2);
    const nl = narrowLatentMoments(x, w, c, grid, null, 1e-2);
    const perH = nl.m0.map((m, i) => (m * nl.m1[i]) / 2 - nl.m1[i]);
    half[`NL_${tag}`] = crossing(perH, 0.5 * (perH[0] - 0.5)); // half-way from L(0) to the limit −1/2 (per H)
  }
  for (const k of ['MF_0.001', 'NL_0.001', 'MF_1e-06', 'NL_1e-06']) {
    assert.ok(Math.abs(half[k] - edges.smallInitEscape[k]) < 2e-3, `${k}: ${half[k]} vs numpy ${edges.smallInitEscape[k]}`);
  }
  // Both faces: the same escape time, and a 1000× smaller init delays it by ln(1000)/4.
  assert.ok(Math.abs(half['MF_0.001'] - half['NL_0.001']) < 0.01);
  assert.ok(Math.abs(half['MF_1e-06'] - half['NL_1e-06']) < 0.01);
  for (const f of ['MF', 'NL']) {
    const delay = half[`${f}_1e-06`] - half[`${f}_0.001`];
    assert.ok(Math.abs(delay - Math.log(1000) / 4) < 0.01 * Math.log(1000) / 4, `${f} delay ${delay} vs ln(1000)/4`);
  }
});
