import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deriveFindings, DEFAULT_THRESHOLDS, type FindingInputs } from '../../src/core/analysis/findings';
import { TOOL_VERSION } from '../../src/core/version';

const healthy: FindingInputs = {
  rowsTotal: 1000, rowsUsed: 1000, rowsInStatistics: 1000, dim: 8, sampled: false, seed: 0,
  health: { nanRows: 0, infRows: 0, zeroRows: 0, duplicateRows: 0, deadDims: 0, deadDimIndices: [], rowNorms: { min: 1, median: 2, max: 3, mean: 2 } },
  metrics: { effectiveRank: 7.5, rankMe: 7.8, participationRatio: 7, stableRank: 5, conditionNumber: 3, totalVariance: 8, explainedVariance: [] },
};

const codes = (x: FindingInputs, t = DEFAULT_THRESHOLDS) => deriveFindings(x, t).map(f => `${f.code}:${f.severity}`);

test('a healthy dump has no findings', () => {
  assert.deepEqual(codes(healthy), []);
});

test('NaN and Inf rows are errors; zero and duplicate rows, dead dims are warnings', () => {
  const x = { ...healthy, rowsInStatistics: 990, health: { ...healthy.health, nanRows: 7, infRows: 3, zeroRows: 2, duplicateRows: 5, deadDims: 1, deadDimIndices: [4] } };
  assert.deepEqual(codes(x), ['nan-rows:error', 'inf-rows:error', 'zero-rows:warning', 'duplicate-rows:warning', 'dead-dims:warning']);
  const nan = deriveFindings(x, DEFAULT_THRESHOLDS)[0];
  assert.match(nan.message, /^7 of 1000 rows \(0\.7%\) contain NaN/);
});

test('fraction thresholds silence small counts', () => {
  const x = { ...healthy, health: { ...healthy.health, zeroRows: 2, duplicateRows: 5 } };
  assert.deepEqual(codes(x, { ...DEFAULT_THRESHOLDS, zeroRowFraction: 0.01, duplicateRowFraction: 0.01 }), []);
  assert.deepEqual(codes(x, { ...DEFAULT_THRESHOLDS, zeroRowFraction: 0.001, duplicateRowFraction: 0.001 }), ['zero-rows:warning', 'duplicate-rows:warning']);
});

test('collapse: effective rank below the ratio of dim', () => {
  const collapsed = { ...healthy, dim: 100, metrics: { ...healthy.metrics!, effectiveRank: 9.9 } };
  assert.deepEqual(codes(collapsed), ['collapsed-spectrum:warning']);
  assert.deepEqual(codes({ ...collapsed, metrics: { ...collapsed.metrics, effectiveRank: 10.1 } }), []);
});

test('N <= d and N < 2 are explained; sampling is stated with its seed', () => {
  assert.deepEqual(codes({ ...healthy, rowsInStatistics: 8 }), ['too-few-rows:information']);
  assert.deepEqual(codes({ ...healthy, rowsInStatistics: 1, metrics: null }), ['too-few-rows:warning']);
  const s = deriveFindings({ ...healthy, rowsTotal: 5000, sampled: true, seed: 42 }, DEFAULT_THRESHOLDS);
  assert.equal(s[0].code, 'sampled');
  assert.match(s[0].message, /1000 of 5000 rows \(seed 42\)/);
});

test('the tool version matches package.json', () => {
  assert.equal(TOOL_VERSION, JSON.parse(readFileSync('package.json', 'utf8')).version);
});
