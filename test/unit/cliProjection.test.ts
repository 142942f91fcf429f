import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT, assertAllClose } from './support';

/** The CLI's projection (issue #15): the --json key, --projection-rows, --projection-components, the text line. */
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const DIR = path.join(FIXTURES, 'projection');
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')).files as Record<string, {
  finiteRows: number[]; explained: number[]; coordinates: number[][];
}>;

function projectionOf(...args: string[]) {
  const r = run('analyze', ...args, '--json');
  assert.ok(r.status === 0 || r.status === 1, r.stderr || r.stdout);
  return JSON.parse(r.stdout).projection;
}

test('--json "projection": the contract keys (no "available"), numpy\'s coordinates of every finite row', () => {
  const p = projectionOf(path.join(DIR, 'medium.npy'));
  assert.deepEqual(Object.keys(p).sort(), ['components', 'explained', 'flags', 'formula', 'leftOut', 'norms', 'rows', 'rowsEligible', 'sampleMethod', 'seed', 'x', 'y']);
  const e = expected['medium.npy'];
  assert.deepEqual(p.rows, e.finiteRows);
  assert.deepEqual(p.components, [1, 2]);
  assertAllClose(p.x, e.coordinates[0], 1e-6, 'x');
  assertAllClose(p.y, e.coordinates[1], 1e-6, 'y');
  assertAllClose(p.explained, e.explained.slice(0, 2), 1e-6, 'explained');
  assert.equal(p.seed, 0);
});

test('--projection-components 1,3: x on PC1, y on PC3, their shares', () => {
  const e = expected['small.npy'];
  for (const target of [path.join(DIR, 'small.npy'), path.join(DIR, 'shards')]) {
    const p = projectionOf(target, '--projection-components', '1,3');
    assert.deepEqual(p.components, [1, 3]);
    assert.deepEqual(p.rows, e.finiteRows);
    assertAllClose(p.x, e.coordinates[0], 1e-6, 'x');
    assertAllClose(p.y, e.coordinates[2], 1e-6, 'y = PC3');
    assertAllClose(p.explained, [e.explained[0], e.explained[2]], 1e-6, 'explained');
  }
});

test('--projection-rows N draws N rows (seeded by --seed); 0 leaves the key out', () => {
  const a = projectionOf(path.join(DIR, 'large.npy'), '--projection-rows', '150', '--seed', '3');
  const b = projectionOf(path.join(DIR, 'large.npy'), '--projection-rows', '150', '--seed', '3');
  assert.equal(a.rows.length, 150);
  assert.equal(a.seed, 3);
  assert.deepEqual(a.rows, b.rows);
  assert.equal(projectionOf(path.join(DIR, 'small.npy'), '--projection-rows', '0'), undefined);
});

test('the text report says the projection\'s size and shares; bad flags exit 2 with our message', () => {
  const e = expected['small.npy'];
  const r = run('analyze', path.join(DIR, 'small.npy'));
  const line = r.stdout.split('\n').find(l => l.trim().startsWith('projection'));
  const pct = (x: number) => `${Number((100 * x).toPrecision(3))}%`; // three significant digits
  assert.ok(line?.includes(`${e.finiteRows.length} of ${e.finiteRows.length} finite rows on PC1`), line);
  assert.ok(line?.includes(pct(e.explained[0])) && line?.includes(pct(e.explained[1])), `${line} (${pct(e.explained[0])}, ${pct(e.explained[1])})`);
  for (const bad of [['--projection-components', '2,2'], ['--projection-components', '1,9'], ['--projection-components', 'x'], ['--projection-rows', '-5']]) {
    const out = run('analyze', path.join(DIR, 'small.npy'), '--json', ...bad);
    assert.equal(out.status, 2, bad.join(' '));
    assert.equal(JSON.parse(out.stdout).error.code, 'bad-argument');
  }
  const three = run('analyze', path.join(DIR, 'large.npy'), '--json', '--projection-components', '1,4');
  assert.equal(three.status, 2, 'large.npy has 3 dimensions: no 4th component');
  assert.match(JSON.parse(three.stdout).error.message, /components 1 to 3; 4 is not among them/);
});

test('--json --umap: "projection.umap" on the projection\'s own rows, seeded by --seed, reproducible; --umap without --json exits 2; --help names it', () => {
  const file = path.join(DIR, 'medium.npy');
  const p = projectionOf(file, '--umap');
  const u = p.umap;
  assert.deepEqual(u.rows, p.rows, 'the same rows, in the same order');
  assert.equal(u.x.length, p.rows.length);
  assert.equal(u.y.length, p.rows.length);
  assert.equal(u.seed, 0);
  assert.equal(u.neighbours, 15);
  assert.equal(u.minDist, 0.1);
  assert.equal(u.epochs, 200);
  assert.match(u.note, /^A visual aid: distances and axes are not metric — UMAP, seed 0, n_neighbors 15, min_dist 0\.1, \d+ rows\.$/);
  assert.match(u.library, /^umap-js /);
  assert.deepEqual(projectionOf(file, '--umap').umap, u, 'the same seed, the same layout');
  assert.notDeepEqual(projectionOf(file, '--umap', '--seed', '3').umap.x, u.x);
  assert.equal(projectionOf(file).umap, undefined, 'off by default');
  const text = run('analyze', file, '--umap');
  assert.equal(text.status, 2);
  assert.match(text.stdout + text.stderr, /--umap adds "projection\.umap" to the --json report/);
  assert.match(run('--help').stdout, /--umap {2,}with --json: add "projection\.umap"/);
});

test('--json --umap on a dataset: the layout of its projection\'s rows, from the dataset\'s row sample', () => {
  const p = projectionOf(path.join(DIR, 'shards'), '--umap');
  assert.deepEqual(p.umap.rows, p.rows);
  assert.equal(p.umap.x.length, p.rows.length);
});
