import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from './support';
import { analyzeDataset } from '../../src/core/dataset/analyzeDataset';
import { renderDatasetSummaryMarkdown } from '../../src/core/report/renderSummary';

const DIR = path.join(FIXTURES, 'dataset');
// shard rows, total rows and dim as numpy wrote them (make_dataset_fixtures.py)
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as { rowsTotal: number; dim: number; shardRows: number[] };

test('the hover summary of a dataset names its shards, rows and dim above the findings', async () => {
  const report = await analyzeDataset([path.join(DIR, 'shards')], { seed: 0 });
  const md = renderDatasetSummaryMarkdown(report, 'shards/part-*.npy');
  const lines = md.split('\n');
  assert.match(lines[0], /^\*\*Embeddings\*\* `shards\/part-\*\.npy`/);
  assert.equal(lines[2], `dataset of ${expected.shardRows.length} shards · ${expected.rowsTotal} rows × ${expected.dim} dims`);
  // the fixture has NaN rows (numpy counts 2): the findings list them
  assert.ok(md.includes('NaN'), md);
});

test('a shard that cannot be read is named in the summary', async () => {
  const report = await analyzeDataset([path.join(DIR, 'shards', 'part-1.npy'), path.join(DIR, 'expected.json')], { seed: 0 });
  const md = renderDatasetSummaryMarkdown(report, 'x');
  assert.match(md, new RegExp(`dataset of 2 shards · ${expected.shardRows[0]} rows × ${expected.dim} dims · \\$\\(warning\\) 1 could not be read and is left out \\(expected\\\\\\.json\\)`)); // the name escaped for Markdown
});
