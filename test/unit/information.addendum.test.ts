/**
 * The spec's addendum (rate-capacity.md, end) and §1.3's two readings of n:
 *   (a) per model use is the primary unit; per input symbol is labelled as reading (B);
 *   (b) the target-injectivity diagnostic (Theorem 6's bijective-map precondition), next to E2;
 *   (c) the perturbation's entropy h(E), E = Z̃ − Z, as a labelled figure;
 *   (d) one plain sentence wherever the verdict is shown: these estimates certify nothing asymptotic.
 * Numbers from numpy (test/fixtures/information/containers/expectations.json, written by
 * make_container_fixtures.py from the committed pair_*.npy files and the spec's §5.2 sample).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeInformationFile } from '../../src/core/information/analyzeInformation';
import { computeInformation, describeFigure, listFigures, summarizeInformation, type InformationReport } from '../../src/core/information/informationReport';
import { targetInjectivityLevel } from '../../src/core/information/representationRate';
import { informationHoverLines } from '../../src/core/information/informationFindings';
import { VERDICT_CAVEAT } from '../../src/core/information/verdict';
import type { RowMatrix } from '../../src/core/information/dense';
import { openDumpFile } from '../../src/core/formats/openDumpFile';
import { assertClose, FIXTURES } from './support';

const DIR = path.join(FIXTURES, 'information');
const E = JSON.parse(fs.readFileSync(path.join(DIR, 'containers', 'expectations.json'), 'utf8'));
const SENTENCE = 'These single-letter, finite-sample estimates do not certify the paper\'s asymptotic, block-coding statements.';

let pair: InformationReport;
const pairReport = async () => (pair ??= await analyzeInformationFile(path.join(DIR, 'pair_z.npy'), {}));

test('(a) per model use is the primary unit; every per-input-symbol value is labelled reading (B)', async () => {
  const r = await pairReport();
  assert.equal(r.units.primary, 'bits per model use');
  assert.equal(r.units.perInputSymbol.reading, 'B');
  assert.match(r.units.perInputSymbol.note, /reading \(B\)/);
  let perSymbol = 0;
  for (const { path: p, figure } of listFigures(r)) {
    if (figure.unit === 'bits per input symbol') { perSymbol++; assert.equal(figure.reading, 'B', p); }
    for (const n of figure.normalized ?? []) if (n.unit === 'bits per input symbol') { perSymbol++; assert.equal(n.reading, 'B', p); }
  }
  assert.ok(perSymbol > 5, `${perSymbol} per-symbol values`);
  // E1: d·b = 16·32 = 512 bits per model use first; 512/64 = 8 per input symbol, labelled.
  const lines = summarizeInformation(r);
  assert.ok(lines.includes('Representation rate (E1): 512 bits per model use, 8 bits per input symbol (reading B)'), lines.join('\n'));
  assert.match(describeFigure(r.capacity.perturbed!.cca), /bits per model use \(.* bits per input symbol \(reading B\)\)$/);
  assert.ok(r.notes.some(n => /Primary unit: bits per model use/.test(n) && /reading \(B\)/.test(n)));
  // E6 is per input symbol by nature; it gives per model use too (× n = 64), against numpy.
  const pairNumpy = JSON.parse(fs.readFileSync(path.join(DIR, 'pair_expectations.json'), 'utf8'));
  const q = r.sourceEntropy!.gaussianQuantized;
  assert.equal(q.reading, 'B');
  assertClose(q.normalized!.find(n => n.unit === 'bits per model use')!.value!, pairNumpy.sourceQuantizedPerSymbol * pairNumpy.n, 1e-8, 1e-12, 'H(X) per model use');
});

/** All rows of a committed .npy as a matrix. */
async function readMatrix(file: string): Promise<RowMatrix> {
  const { source, dump } = await openDumpFile(file);
  try {
    const a = await dump.open();
    return { rows: a.rows, cols: a.dim, data: await a.readRows(0, a.rows) };
  } finally {
    await source.close();
  }
}

test('(b) target injectivity: distinct targets among distinct inputs, against numpy, at each precision', async () => {
  const y = await readMatrix(path.join(DIR, 'pair_targets.npy'));
  const x = await readMatrix(path.join(DIR, 'pair_inputs.npy'));
  for (const want of E.pairTargetInjectivity as { step: number; distinctInputs: number; distinctTargets: number; collisionRate: number }[]) {
    const lvl = targetInjectivityLevel(y, want.step, x);
    assert.equal(lvl.distinctInputs, want.distinctInputs, `m_X at ${want.step}`);
    assert.equal(lvl.distinctTargets, want.distinctTargets, `m_Y at ${want.step}`);
    assertClose(lvl.collisionRate.value!, want.collisionRate, 1e-12, 1e-15, `rate at ${want.step}`);
    assert.equal(lvl.collisionRate.flags.includes('target_collisions'), want.collisionRate > 0);
    assert.ok(!lvl.collisionRate.flags.includes('inputs_assumed_distinct'));
    assert.match(lvl.collisionRate.quantity, /among distinct X/);
  }
});

test('(b) the report carries it next to E2; without targets it says why', async () => {
  const r = await pairReport();
  const lvl = r.representationRate.targetInjectivity![0];
  assert.equal(lvl.step, 0);
  assert.equal(lvl.distinctInputs, E.pairTargetInjectivity[0].distinctInputs);
  assert.equal(lvl.distinctTargets, E.pairTargetInjectivity[0].distinctTargets);
  assert.ok(listFigures(r).some(f => f.path === 'representationRate.targetInjectivity[0].collisionRate'));
  assert.ok(summarizeInformation(r).some(l => l.startsWith(`Target injectivity (Theorem 6 precondition): ${E.pairTargetInjectivity[0].distinctTargets} distinct targets among ${E.pairTargetInjectivity[0].distinctInputs} distinct inputs`)));
  const none = await analyzeInformationFile(path.join(DIR, 'pair_z.npy'), { manifest: false, perturbed: path.join(DIR, 'pair_z_perturbed.npy') });
  assert.equal(none.representationRate.targetInjectivity, null);
  assert.match(none.representationRate.targetInjectivityMissing!, /No regression targets Y/);
});

test('(c) h(E) of the perturbation is a labelled figure with numpy\'s value (spec §5.2 sample)', async () => {
  // eig S_E as printed in the spec's §5.2 table: 0.274769, 0.384766, 0.898222.
  assertClose(E.eigSe[0], 0.898222, 5e-6, 0);
  const r = await analyzeInformationFile(path.join(DIR, 'containers', 'spec_sample.npz'), {});
  const he = r.capacity.perturbed!.perturbationEntropy;
  assertClose(he.value!, E.hE, 1e-8, 1e-12, 'h(E)');
  assertClose(he.normalized!.find(n => n.unit === 'bits per coordinate')!.value!, E.hEPerCoordinate, 1e-8, 1e-12, 'h(E)/d');
  assert.equal(he.unit, 'bits per model use');
  assert.equal(he.kind, 'upper-bound');
  assert.match(he.quantity, /^h\(E\), E = Z̃ − Z/);
  assert.match(he.provenance.concept, /Measurement-noise bits.*2ND-HAND/);
  assert.equal(he.provenance.tag, 'PROPOSED');
  assert.ok(he.flags.includes('gaussian_bound'));
  const json = JSON.parse(JSON.stringify(r));
  assertClose(json.capacity.perturbed.perturbationEntropy.value, E.hE, 1e-8, 1e-12, 'JSON');
  assert.ok(summarizeInformation(r).some(l => l.startsWith('Perturbation entropy h(E), E = Z̃ − Z ("measurement-noise bits", nearest computable): ≤ 4.443 bits per model use')),
    summarizeInformation(r).join('\n'));
});

test('(c) h(E) is not given for a singular noise covariance', async () => {
  // Z̃ = Z: E = 0, S_E = 0.
  const z = await readMatrix(path.join(DIR, 'pair_z.npy'));
  const r = computeInformation({ embeddings: z, perturbed: { ...z, data: z.data.slice() } });
  const he = r.capacity.perturbed!.perturbationEntropy;
  assert.equal(he.value, null);
  assert.ok(he.flags.includes('singular_noise_covariance'));
});

test('(d) the verdict carries one plain sentence: nothing asymptotic is certified (JSON, text, hover)', async () => {
  const r = await pairReport();
  assert.equal(VERDICT_CAVEAT, SENTENCE);
  assert.equal(r.verdict.caveat, SENTENCE);
  const verdictLine = summarizeInformation(r).find(l => l.startsWith('Verdict (E9)'))!;
  assert.ok(verdictLine.endsWith(SENTENCE), verdictLine);
  assert.equal(summarizeInformation(r).filter(l => l.includes(SENTENCE)).length, 1, 'said once');
  assert.ok(informationHoverLines(r).some(l => l.startsWith('verdict: ') && l.endsWith(SENTENCE)));
});
