/**
 * The sidecar manifest: parsing with positions, validation problems located on the offending
 * key, the JSON Schema contributed for editors, and input resolution (flags > container keys >
 * manifest) with its diagnostics: missing file, row-count mismatch, n missing.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ARRAY_ROLES, manifestCandidates, parseJsonWithPositions, parseManifest, SCALAR_KEYS, RAW_KEYS, type ManifestProblem,
} from '../../src/core/information/manifest';
import { checkManifest, resolveInformationInputs } from '../../src/core/information/informationInputs';
import { analyzeInformation } from '../../src/core/information/analyzeInformation';
import { REPO_ROOT } from './support';
import { npyBytes } from './npyFiles';

/** An .npy file of the given shape: float64 ('<f8', the default) or float32 ('<f4'). */
function npy(shape: number[], data: ArrayLike<number>, descr: '<f8' | '<f4' = '<f8'): Buffer {
  return npyBytes(shape, descr === '<f8' ? Float64Array.from(data) : Float32Array.from(data));
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-info-'));
}

function randomRows(rows: number, cols: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: rows * cols }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  });
}

const at = (text: string, p: ManifestProblem) => text.slice(p.offset, p.offset + p.length);

test('parseJsonWithPositions keeps key and value offsets', () => {
  const text = '{\n  "a": [1, 2.5e3, true],\n  "b\\n": {"c": null}\n}';
  const root = parseJsonWithPositions(text);
  assert.equal(root.type, 'object');
  if (root.type !== 'object') return;
  const [a, b] = root.properties;
  assert.equal(text.slice(a.keyOffset, a.keyOffset + a.keyLength), '"a"');
  assert.equal(text.slice(a.value.offset, a.value.offset + a.value.length), '[1, 2.5e3, true]');
  assert.equal(b.key, 'b\n');
  assert.equal(text.slice(b.value.offset, b.value.offset + b.value.length), '{"c": null}');
  assert.throws(() => parseJsonWithPositions('{"a": 1,}'), /property name/);
  assert.throws(() => parseJsonWithPositions('{"a": 01}'), /Expected/);
  assert.throws(() => parseJsonWithPositions('[1] x'), /after the JSON value/);
});

test('parseManifest: valid manifest, aliases, unknown keys, wrong types and ranges, each located on its key', () => {
  const text = `{
  "version": 1,
  "perturbed": "noisy.npy",
  "targets": {"file": "y.npz", "array": "y"},
  "embeddings_perturbed": "other.npy",
  "inputSymbols": 78.4,
  "noiseStd": "0.1",
  "distortion": -1,
  "labels": {"array": "classes", "colour": "red"},
  "predictions": {},
  "mystery": 3
}`;
  const { manifest, problems } = parseManifest(text);
  assert.deepEqual(manifest.arrays.targets, { file: 'y.npz', array: 'y' });
  assert.deepEqual(manifest.arrays.labels, { array: 'classes' });
  assert.equal(manifest.arrays.perturbed?.file, 'other.npy', 'the alias comes later and wins');
  assert.equal(manifest.scalars.inputSymbols, undefined);
  const byCode = (c: string) => problems.filter(p => p.code === c);
  const alias = byCode('manifest-alias')[0];
  assert.equal(at(text, alias), '"embeddings_perturbed"');
  assert.equal(alias.severity, 'warning');
  const range = byCode('manifest-range');
  assert.deepEqual(range.map(p => at(text, p)).sort(), ['"distortion"', '"inputSymbols"', '"predictions"']);
  const type = byCode('manifest-type')[0];
  assert.equal(at(text, type), '"noiseStd"');
  assert.deepEqual(type.path, ['noiseStd']);
  assert.equal(type.pointer, '/noiseStd');
  const unknown = byCode('manifest-unknown-key');
  assert.deepEqual(unknown.map(p => at(text, p)).sort(), ['"colour"', '"mystery"']);
  assert.deepEqual(unknown.find(p => at(text, p) === '"colour"')!.path, ['labels', 'colour']);
});

test('parseManifest: syntax errors and a non-object are problems, not exceptions', () => {
  const bad = '{"targets": "y.npy",\n  "inputSymbols": }';
  const p = parseManifest(bad).problems;
  assert.equal(p.length, 1);
  assert.equal(p[0].code, 'manifest-syntax');
  assert.equal(bad[p[0].offset], '}');
  assert.equal(parseManifest('[1]').problems[0].code, 'manifest-type');
  assert.equal(parseManifest('{"version": 2}').problems[0].code, 'manifest-version');
});

test('manifestCandidates: emb.npy → emb.embeddings.json, then emb.npy.embeddings.json', () => {
  assert.deepEqual(manifestCandidates('/a/b/emb.npy'), ['/a/b/emb.embeddings.json', '/a/b/emb.npy.embeddings.json']);
  assert.deepEqual(manifestCandidates('emb'), ['emb.embeddings.json']);
});

test('the JSON Schema is draft-07, describes every key the parser knows, and nothing else', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schemas', 'embeddings-manifest.schema.json'), 'utf8'));
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const keys = Object.keys(schema.properties).sort();
  assert.deepEqual(keys, [...ARRAY_ROLES, ...SCALAR_KEYS, ...RAW_KEYS, '$schema', 'version', 'description', 'autoencoder', 'metadata'].sort());
  for (const k of keys) assert.ok(typeof schema.properties[k].description === 'string' && schema.properties[k].description.length > 20, `${k} has a description`);
  const ref = schema.definitions.arrayRef.oneOf;
  assert.ok(ref[0].description && ref[1].properties.file.description && ref[1].properties.array.description);
  // The fixture manifest uses only schema keys, with the right JSON types.
  const fixture = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'information', 'pair_z.embeddings.json'), 'utf8'));
  for (const [k, v] of Object.entries(fixture)) {
    assert.ok(k in schema.properties, k);
    const t = schema.properties[k].type;
    if (t === 'integer') assert.ok(Number.isInteger(v), k);
    else if (t === 'number') assert.equal(typeof v, 'number', k);
  }
  assert.deepEqual(parseManifest(JSON.stringify(fixture)).problems, []);
});

test('the planned autoencoder: read when well-formed, each problem located on its own key', () => {
  const good = parseManifest('{"version": 1, "autoencoder": {"latentWidth": 8, "init": {"sigma": 0.1}, "learningRate": 0.5, "learningRateConvention": "torch-mse-mean", "steps": 100}}');
  assert.deepEqual(good.problems, []);
  assert.deepEqual(good.manifest.autoencoder, { latentWidth: 8, init: { sigma: 0.1 }, learningRate: 0.5, learningRateConvention: 'torch-mse-mean', steps: 100, seeds: undefined });
  const text = '{"autoencoder": {"latentWidth": 2.5, "init": "he", "learningRate": 0.1, "steps": 10}}';
  const bad = parseManifest(text);
  assert.equal(bad.manifest.autoencoder, undefined);
  const at = (pointer: string) => bad.problems.find(p => p.pointer === pointer);
  assert.equal(text.slice(at('/autoencoder/latentWidth')!.offset, at('/autoencoder/latentWidth')!.offset + at('/autoencoder/latentWidth')!.length), '"latentWidth"');
  assert.match(at('/autoencoder/init')!.message, /must be one of torch-linear-default/);
  assert.ok(parseManifest('{"autoencoder": {"latentWidth": 8, "learningRate": 0.1}}').problems.some(p => p.code === 'manifest-missing-key' && p.message.includes('"steps"')));
});

test('resolution order: flags > container keys > manifest; derived n; 1-D targets read as a column', async () => {
  const dir = tempDir();
  try {
    const n = 40;
    fs.writeFileSync(path.join(dir, 'emb.npy'), npy([n, 3], randomRows(n, 3, 1), '<f4'));
    fs.writeFileSync(path.join(dir, 'y.npy'), npy([n], randomRows(n, 1, 2)));
    fs.writeFileSync(path.join(dir, 'y_other.npy'), npy([n, 2], randomRows(n, 2, 3)));
    fs.writeFileSync(path.join(dir, 'x.npy'), npy([n, 5], randomRows(n, 5, 4)));
    fs.writeFileSync(path.join(dir, 'emb.embeddings.json'), JSON.stringify({ targets: 'y.npy', inputs: 'x.npy', distortion: 0.01, noiseStd: 0.5 }));
    const viaManifest = await resolveInformationInputs(path.join(dir, 'emb.npy'));
    try {
      assert.equal(viaManifest.companions.targets?.source, 'manifest');
      assert.equal(viaManifest.companions.targets?.column, true);
      assert.equal(viaManifest.companions.targets?.rows, n);
      assert.deepEqual(viaManifest.scalars.inputSymbols, { value: 5, source: 'derived' });
      assert.deepEqual(viaManifest.scalars.bitsPerCoordinate, { value: 32, source: 'dtype' });
      assert.deepEqual(viaManifest.scalars.distortion, { value: 0.01, source: 'manifest' });
      const r = await analyzeInformation(viaManifest, { collisionSteps: [0] });
      assert.equal(r.rateDistortion.dim, 1);
      assert.equal(r.rateDistortion.source, 'targets');
      assert.equal(r.capacity.awgn.details!.powerSource, 'inputs');
    } finally {
      await viaManifest.close();
    }
    const viaFlags = await resolveInformationInputs(path.join(dir, 'emb.npy'), { targets: path.join(dir, 'y_other.npy'), distortion: 0.2, inputSymbols: 9 });
    try {
      assert.equal(viaFlags.companions.targets?.source, 'flag');
      assert.equal(viaFlags.companions.targets?.dim, 2);
      assert.deepEqual(viaFlags.scalars.distortion, { value: 0.2, source: 'flag' });
      assert.ok(viaFlags.problems.some(p => p.code === 'input-symbols-mismatch'), 'n = 9 but X has 5 columns');
    } finally {
      await viaFlags.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('mismatched perturbed embeddings: left out, and the capacity says mismatched_rows instead of a number', async () => {
  const dir = tempDir();
  try {
    fs.writeFileSync(path.join(dir, 'emb.npy'), npy([25, 2], randomRows(25, 2, 8)));
    fs.writeFileSync(path.join(dir, 'noisy.npy'), npy([24, 2], randomRows(24, 2, 9)));
    fs.writeFileSync(path.join(dir, 'emb.embeddings.json'), '{"perturbed": "noisy.npy", "distortion": 0.1}');
    const inputs = await resolveInformationInputs(path.join(dir, 'emb.npy'));
    try {
      const r = await analyzeInformation(inputs, { collisionSteps: [0] });
      assert.equal(r.capacity.perturbed, null);
      assert.deepEqual(r.capacity.perturbedUnavailable!.flags, ['mismatched_rows']);
      assert.match(r.capacity.perturbedUnavailable!.explanation!, /24 rows, but the embeddings have 25/);
      assert.equal(r.verdict.status, 'inconclusive');
      assert.ok(r.verdict.margin.flags.includes('mismatched_rows'));
      assertJson(r);
    } finally {
      await inputs.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('checkManifest: missing file, row-count mismatch, n missing — each on its key', async () => {
  const dir = tempDir();
  try {
    fs.writeFileSync(path.join(dir, 'emb.npy'), npy([30, 4], randomRows(30, 4, 5)));
    fs.writeFileSync(path.join(dir, 'y.npy'), npy([29, 2], randomRows(29, 2, 6)));
    const text = `{
  "targets": "y.npy",
  "perturbed": {"file": "gone.npy"},
  "noiseStd": 0.1,
  "inputPower": 1
}`;
    const manifestPath = path.join(dir, 'emb.embeddings.json');
    // The editor's text is used, not the file on disk (which does not even exist here).
    const problems = await checkManifest(manifestPath, text);
    const find = (code: string) => problems.find(p => p.code === code);
    const mismatch = find('row-count-mismatch')!;
    assert.ok(mismatch, JSON.stringify(problems));
    assert.equal(at(text, mismatch), '"targets"');
    assert.equal(mismatch.severity, 'error');
    assert.match(mismatch.message, /29 rows but the embeddings have 30/);
    const missing = find('missing-file')!;
    assert.equal(at(text, missing), '"file"');
    assert.deepEqual(missing.path, ['perturbed', 'file']);
    const nMissing = problems.filter(p => p.code === 'input-symbols-missing');
    assert.deepEqual(nMissing.map(p => at(text, p)).sort(), ['"inputPower"', '"noiseStd"']);
    // Fixed manifest: no problems left.
    fs.writeFileSync(path.join(dir, 'y.npy'), npy([30, 2], randomRows(30, 2, 6)));
    const fixedText = '{"targets": "y.npy", "noiseStd": 0.1, "inputPower": 1, "inputSymbols": 16}';
    assert.deepEqual(await checkManifest(manifestPath, fixedText), []);
    // Mismatched rows are left out of an analysis and say why.
    fs.writeFileSync(path.join(dir, 'y.npy'), npy([29, 2], randomRows(29, 2, 6)));
    fs.writeFileSync(manifestPath, text);
    const inputs = await resolveInformationInputs(path.join(dir, 'emb.npy'));
    try {
      assert.equal(inputs.companions.targets?.used, false);
      const r = await analyzeInformation(inputs, { collisionSteps: [0] });
      assert.equal(r.inputs.present.targets, false);
      assert.equal(r.rateDistortion.source, 'embeddings');
      assert.ok(r.problems.some(p => p.code === 'row-count-mismatch' && p.location?.pointer === '/targets'));
      assert.ok(r.rateDistortion.rateGaussian.flags.includes('mismatched_rows'));
      assert.match(r.rateDistortion.rateGaussian.explanation!, /targets were left out: 29 rows/);
      assertJson(r);
    } finally {
      await inputs.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Every number in the report is finite (JSON.stringify would silently turn NaN/±Infinity into null). */
function assertJson(v: unknown, where = 'report'): void {
  if (typeof v === 'number') assert.ok(Number.isFinite(v), `${where} is ${v}`);
  else if (Array.isArray(v)) v.forEach((x, i) => assertJson(x, `${where}[${i}]`));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) assertJson(x, `${where}.${k}`);
}
