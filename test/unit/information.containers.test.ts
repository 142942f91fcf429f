/**
 * Companion arrays inside the embeddings' own container turn the information estimates on, and
 * the report says where each input came from. The spec's §5.2 sample (Z, Z̃) with targets and
 * predictions, written by numpy (.npz), torch (.pt), h5py (.h5), the reference safetensors layout,
 * parquet-wasm (.parquet) and apache-arrow (.arrow) by
 * test/fixtures/information/make_container_fixtures.py; expected numbers from numpy there
 * (expectations.json) and from the spec's printed §5.2 values.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeInformationFile } from '../../src/core/information/analyzeInformation';
import { summarizeInformation } from '../../src/core/information/informationReport';
import { informationByDefault } from '../../src/core/information/informationDefault';
import { inputSourceLines } from '../../src/core/information/inputSources';
import { informationFindings, informationHoverLines } from '../../src/core/information/informationFindings';
import { assertClose, FIXTURES } from './support';

const DIR = path.join(FIXTURES, 'information', 'containers');
const E = JSON.parse(fs.readFileSync(path.join(DIR, 'expectations.json'), 'utf8'));
const REL = 1e-8;
/** The spec prints 6 significant digits. */
const SPEC_REL = 5e-6;

const CONTAINERS = [
  { file: 'spec_sample.npz', word: 'array', how: 'container key' },
  { file: 'spec_sample.pt', word: 'array', how: 'container key' },
  { file: 'spec_sample.h5', word: 'array', how: 'container key' },
  { file: 'spec_sample.safetensors', word: 'array', how: 'container key' },
  { file: 'spec_sample.parquet', word: 'column', how: 'container column' },
  { file: 'spec_sample.arrow', word: 'column', how: 'container column' },
];

for (const c of CONTAINERS) {
  test(`${c.file}: its companions turn the estimates on, with numpy's numbers and where each input came from`, async () => {
    const file = path.join(DIR, c.file);
    assert.deepEqual(await informationByDefault(file), { manifest: null, container: ['perturbed', 'targets', 'predictions'] });
    const r = await analyzeInformationFile(file, {});
    assert.equal(r.problems.filter(p => p.severity === 'error').length, 0, JSON.stringify(r.problems));
    assert.equal(r.inputs.embeddings?.array, 'embeddings');
    const roles = { perturbed: 'embeddings_perturbed', targets: 'targets', predictions: 'predictions' } as const;
    for (const [role, key] of Object.entries(roles) as [keyof typeof roles, string][]) {
      const a = r.inputs.companions[role]!;
      assert.equal(a.source, 'container', role);
      assert.equal(a.array, key, role);
      assert.equal(a.file, file, role);
      assert.equal(a.rows, E.N, role);
      assert.equal(a.used, true, role);
    }
    // E7c against numpy and against the spec's §5.2 table (I_cca = 4.08335).
    assertClose(r.capacity.perturbed!.cca.value!, E.Icca, REL, 1e-12, 'I_cca');
    assertClose(r.capacity.perturbed!.cca.value!, 4.08335, SPEC_REL, 0, 'I_cca (spec)');
    assertClose(r.capacity.perturbed!.perturbationEntropy.value!, E.hE, REL, 1e-12, 'h(E)');
    assertClose(r.rateDistortion.operatingPoint!.mse.value!, E.dModel, REL, 1e-12, 'D_model');
    const ti = r.representationRate.targetInjectivity![0];
    assert.equal(ti.step, 0);
    assert.equal(ti.distinctInputs, E.targetInjectivity.distinctInputs);
    assert.equal(ti.distinctTargets, E.targetInjectivity.distinctTargets);
    assertClose(ti.collisionRate.value!, E.targetInjectivity.collisionRate, REL, 1e-12, 'target collision rate');
    // Where each input came from, in words.
    const lines = inputSourceLines(r.inputs);
    const base = path.basename(file);
    assert.ok(lines.includes(`Z̃ (perturbed-input embeddings): ${c.word} 'embeddings_perturbed' of ${base} (${c.how})`), lines.join('\n'));
    assert.ok(lines.includes(`Y (targets): ${c.word} 'targets' of ${base} (${c.how})`), lines.join('\n'));
    assert.ok(lines.includes(`Ŷ (predictions): ${c.word} 'predictions' of ${base} (${c.how})`), lines.join('\n'));
    assert.ok(summarizeInformation(r).some(l => l === `Input Y (targets): ${c.word} 'targets' of ${base} (${c.how})`));
    assert.ok(informationHoverLines(r)[0].startsWith(`inputs: Z̃ = ${c.word} 'embeddings_perturbed' of ${base} (${c.how})`), informationHoverLines(r)[0]);
  });
}

test('no companion in the container and no manifest: nothing asks for the estimates; a sidecar manifest does', async () => {
  assert.equal(await informationByDefault(path.join(DIR, 'embeddings_only.npz')), null);
  const npy = path.join(FIXTURES, 'information', 'pair_z.npy');
  assert.deepEqual(await informationByDefault(npy), { manifest: path.join(FIXTURES, 'information', 'pair_z.embeddings.json'), container: [] });
});

test('flags still win over container keys, and say so', async () => {
  const file = path.join(DIR, 'spec_sample.npz');
  const r = await analyzeInformationFile(file, { arrays: { targets: 'predictions' } });
  assert.equal(r.inputs.companions.targets?.source, 'flag');
  assert.equal(r.inputs.companions.targets?.array, 'predictions');
  assert.ok(inputSourceLines(r.inputs).includes(`Y (targets): array 'predictions' of spec_sample.npz (flag)`));
});

test('target injectivity: collisions of Y among rows are a Theorem 6 finding', async () => {
  const r = await analyzeInformationFile(path.join(DIR, 'spec_sample.npz'), {});
  const ti = r.representationRate.targetInjectivity![0];
  assert.ok(ti.collisionRate.flags.includes('target_collisions'));
  assert.ok(ti.collisionRate.flags.includes('inputs_assumed_distinct'), 'no X in the container');
  assert.equal(ti.collisionRate.kind, 'exact');
  assert.equal(ti.collisionRate.provenance.tag, 'PROPOSED');
  assert.match(ti.collisionRate.provenance.concept, /Theorem 6/);
  const f = informationFindings(r, 0.01).find(x => x.code === 'target-not-injective');
  assert.ok(f, 'finding');
  assert.match(f!.message, new RegExp(`${E.targetInjectivity.distinctInputs - E.targetInjectivity.distinctTargets} of ${E.targetInjectivity.distinctInputs} distinct rows`));
});
