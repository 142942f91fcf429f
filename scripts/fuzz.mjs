#!/usr/bin/env node
// `npm run fuzz`: the properties of test/unit/fuzz.test.ts with many more cases and a fresh random
// seed (printed first, so that a failure can be replayed).
//
// Usage: node scripts/fuzz.mjs [--runs N] [--seed S] [--readers npy,npz,...] [--case-ms MS] [--parallel]
//   --runs      cases per reader (default: FUZZ_RUNS, else 100000)
//   --seed      the fast-check seed (default: FUZZ_SEED, else random)
//   --readers   a subset: npy, npz, safetensors, vecs, delimited, faiss, raw, torch, pickle, hdf5, parquet, arrow, embstats, zarr
//   --case-ms   per-case time limit in ms (default 2000)
//   --parallel  one process per reader, two at a time (default: one process, reader after reader)
//
// The test file is bundled with esbuild into out/fuzz/ (h5wasm, hyparquet, apache-arrow stay
// external: they are ES modules loaded lazily, resolved from the repository's node_modules).
// Each case is described in out/fuzz/last-case-<reader>.txt before it runs: if the process dies
// (out of memory, a crash in wasm), that file names the case that killed it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionReader } from './scriptArgs.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'out', 'fuzz');
const READERS = ['npy', 'npz', 'safetensors', 'vecs', 'delimited', 'faiss', 'raw', 'torch', 'pickle', 'hdf5', 'parquet', 'arrow', 'embstats', 'zarr'];

const args = process.argv.slice(2);
const option = optionReader(args);
const runs = Number(option('--runs', process.env.FUZZ_RUNS || '100000'));
const seed = Number(option('--seed', process.env.FUZZ_SEED || String(Math.floor(Math.random() * 2 ** 31))));
const readers = option('--readers', process.env.FUZZ_READERS || READERS.join(',')).split(',').map(s => s.trim()).filter(Boolean);
const caseMs = option('--case-ms', process.env.FUZZ_CASE_MS || '2000');
const parallel = args.includes('--parallel');
for (const r of readers) if (!READERS.includes(r)) { console.error(`unknown reader '${r}' (known: ${READERS.join(', ')})`); process.exit(2); }
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed) || seed < 0) { console.error('--runs and --seed must be non-negative integers'); process.exit(2); }

console.log(`fuzz: seed ${seed}, ${runs} cases per reader, readers ${readers.join(', ')}`);
console.log(`replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} FUZZ_READERS=<reader> npm run fuzz`);

fs.mkdirSync(OUT, { recursive: true });
const bundle = path.join(OUT, 'fuzz.test.js');
const esbuild = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'esbuild.cmd' : 'esbuild');
const built = spawnSync(esbuild, ['test/unit/fuzz.test.ts', '--bundle', '--platform=node', `--outfile=${bundle}`, '--log-level=warning',
  '--external:h5wasm', '--external:hyparquet', '--external:hyparquet-compressors', '--external:apache-arrow'], { cwd: ROOT, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

function run(subset) {
  const env = {
    ...process.env, FUZZ_SEED: String(seed), FUZZ_RUNS: String(runs), FUZZ_READERS: subset.join(','), FUZZ_CASE_MS: caseMs,
    FUZZ_TRACE: path.join(OUT, `last-case-${subset.length === 1 ? subset[0] : 'all'}.txt`), FUZZ_VERBOSE: '1',
  };
  return new Promise(resolve => {
    // Tests run from the repository root (fixtures are found from there).
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', bundle], { cwd: ROOT, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => {
      if (signal || (code !== 0 && code !== 1)) {
        console.error(`fuzz ${subset.join(',')}: the process ended abnormally (${signal ?? `exit code ${code}`}); the case it was running is in ${env.FUZZ_TRACE}`);
      }
      resolve(code === 0 && !signal);
    });
  });
}

const started = Date.now();
let ok = true;
if (parallel) {
  const queue = [...readers];
  const worker = async () => { while (queue.length) ok = (await run([queue.shift()])) && ok; };
  await Promise.all([worker(), worker()]);
} else {
  ok = await run(readers);
}
console.log(`fuzz: ${ok ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${seed}, ${runs} cases per reader)`);
process.exit(ok ? 0 : 1);
