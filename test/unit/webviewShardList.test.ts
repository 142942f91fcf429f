import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardListModel } from '../../webview/shardListModel';
import { isWebviewToHost } from '../../src/shared/protocol';
import type { Finding, ShardSummary } from '../../src/core/report/analysisReport';

const shards: ShardSummary[] = [
  { file: '/d/part-1.npy', firstRow: 0, rows: 200, format: 'npy', array: 'emb', dtype: 'float32', size: 1, mtime: '' },
  { file: '/d/part-2.npy', firstRow: 200, rows: 150, format: 'npy', array: 'emb', dtype: 'float32', size: 1, mtime: '' },
  { file: '/d/part-3.npy', error: { code: 'bad-header', message: 'not a .npy file' } },
  { file: '/d/part-10.npy', firstRow: 350, rows: 7, format: 'npy', array: 'emb', dtype: 'float32', size: 1, mtime: '' },
];

test('a report without shards (a single dump) has no shard list', () => {
  assert.equal(shardListModel({ findings: [] }), null);
  assert.equal(shardListModel({ shards: [], findings: [] }), null);
});

test('the shard list: rows, bars relative to the largest shard, the unreadable shard with its error', () => {
  const m = shardListModel({ shards, findings: [] })!;
  assert.deepEqual(m.shards.map(s => s.name), ['part-1.npy', 'part-2.npy', 'part-3.npy', 'part-10.npy']);
  assert.deepEqual(m.shards.map(s => s.rows), [200, 150, undefined, 7]);
  assert.deepEqual(m.shards.map(s => s.barFraction), [1, 0.75, 0, 7 / 200]);
  assert.equal(m.readable, 3);
  assert.equal(m.unreadable, 1);
  assert.equal(m.rowsTotal, 357);
  assert.deepEqual(m.shards[2].error, { code: 'bad-header', message: 'not a .npy file' });
  assert.match(m.shards[2].text, /part-3\.npy: could not be read \(bad-header\): not a \.npy file/);
  assert.equal(m.shards[1].text, 'part-2.npy: 150 rows (global rows 200\u2013349); no findings');
  assert.match(m.summary, /^4 shards, 357 rows \(1 could not be read/);
});

test('a row-level finding is placed in the shards that hold its global rows; a shard\'s own finding by its path', () => {
  const findings: Finding[] = [
    // global rows 199 (last of part-1) and 350 (first of part-10)
    { code: 'nan-rows', severity: 'error', message: '2 rows have NaN.', rows: [199, 350], rowCount: 2 },
    { code: 'zero-rows', severity: 'warning', message: '1 zero row.', rows: [200], rowCount: 1 },
    { code: 'low-effective-rank', severity: 'warning', message: 'Effective rank is low.' },
    { code: 'sampled', severity: 'information', message: '/d/part-2.npy: something the reader noted.' },
  ];
  const m = shardListModel({ shards, findings })!;
  assert.deepEqual(m.shards.map(s => s.findingCodes), [['nan-rows'], ['zero-rows', 'sampled'], [], ['nan-rows']]);
  assert.equal(m.shards[0].text, 'part-1.npy: 200 rows (global rows 0\u2013199); findings: nan-rows');
});

test('the openShard message is typed: a file path string, nothing else', () => {
  assert.equal(isWebviewToHost({ type: 'openShard', file: '/d/part-1.npy' }), true);
  assert.equal(isWebviewToHost({ type: 'openShard' }), false);
  assert.equal(isWebviewToHost({ type: 'openShard', file: 3 }), false);
});
