import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT, assertAllClose } from './support';

/**
 * Issue #14: the Dask recipe (examples/distributed/dask_embstats.py) on a real 2-worker
 * LocalCluster: `embdiag stats` per group of shards, a tree of `embdiag merge`, and the final
 * .embstats reports what one process reports for the shards, and numpy's figures. Needs Debian's
 * python3-distributed (.ci/run installs it).
 */
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const RECIPE = path.join(REPO_ROOT, 'examples', 'distributed', 'dask_embstats.py');
const DIR = path.join(FIXTURES, 'dataset');
const SHARDS = path.join(DIR, 'shards');
// Debian's packages are for the system interpreter (a pyenv or venv python3 may come first on PATH)
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

test('the Dask recipe on a 2-worker LocalCluster writes the .embstats of the shards: same report as one process, numpy\'s figures', { timeout: 300_000 }, () => {
  const probe = spawnSync(PYTHON, ['-c', 'import distributed'], { encoding: 'utf8' });
  assert.equal(probe.status, 0, `the recipe needs Dask's distributed for ${PYTHON} (apt-get install python3-distributed): ${probe.stderr}`);
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'embdiag-dask-')), 'shards.embstats');
  // one shard per stats task and merges two at a time: 3 partials, 2 merge levels
  const r = spawnSync(PYTHON, [RECIPE, SHARDS, '-o', out, '--workers', '2', '--group-size', '1', '--fan-in', '2',
    '--embdiag', `${process.execPath} ${CLI}`], { encoding: 'utf8', timeout: 280_000 });
  assert.equal(r.status, 0, `recipe failed: ${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /3 shards, 357 rows, 3 stats tasks, 2 merge levels/);

  const analyze = (p: string) => JSON.parse(spawnSync(process.execPath, [CLI, 'analyze', p, '--json'], { encoding: 'utf8' }).stdout);
  const cluster = analyze(out), local = analyze(SHARDS);
  assert.deepEqual(cluster.shards.map((s: { file: string; firstRow: number; rows: number }) => [path.basename(s.file), s.firstRow, s.rows]),
    local.shards.map((s: { file: string; firstRow: number; rows: number }) => [path.basename(s.file), s.firstRow, s.rows]));
  assert.deepEqual(cluster.health, local.health);
  assert.equal(cluster.rowsInStatistics, local.rowsInStatistics);
  assertAllClose(cluster.mean, local.mean, 1e-12, 'mean');
  assertAllClose(cluster.eigenvalues, local.eigenvalues, 1e-9, 'eigenvalues');
  assert.deepEqual(cluster.findings.map((f: { code: string }) => f.code).sort(), local.findings.map((f: { code: string }) => f.code).sort());
  const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
  assertAllClose(cluster.eigenvalues, expected.eigenvalues, 1e-6, 'eigenvalues against numpy');
});
