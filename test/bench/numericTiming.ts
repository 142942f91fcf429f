/**
 * Hand-run timing print for the numeric core (no assertions; not part of any test run):
 *   npx esbuild test/bench/numericTiming.ts --bundle --platform=node --outfile=/tmp/num/timing.js && node /tmp/num/timing.js
 */
import { StreamingStatistics } from '../../src/core/stats/streamingStatistics';
import { symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import { createRng } from '../../src/core/stats/rowSampler';

function time<T>(label: string, f: () => T): T {
  const started = performance.now();
  const result = f();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(2)} s`);
  return result;
}

const rng = createRng(1);
const rows = 20_000;
const dim = 768;
const data = new Float64Array(rows * dim);
for (let i = 0; i < data.length; i++) data[i] = rng() - 0.5;
const blockRows = Math.floor((8 << 20) / (8 * dim)); // the 8 MB blocks the analysis reads
const stats = time(`covariance ${rows} x ${dim} (float64, duplicate hashing on)`, () => {
  const st = new StreamingStatistics(dim);
  for (let r = 0; r < rows; r += blockRows) {
    const n = Math.min(blockRows, rows - r);
    st.add(data.subarray(r * dim, (r + n) * dim), n);
  }
  return st.finish();
});

const n = 1024;
const a = new Float64Array(n * n);
for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng() - 0.5;
time(`eigenvalues ${n} x ${n}`, () => symmetricEigenvalues(a, n));
time(`eigenvalues of the ${dim} x ${dim} covariance above`, () => symmetricEigenvalues(stats.covariance!, dim));
