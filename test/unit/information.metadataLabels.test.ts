/**
 * The label column of the row metadata feeds NC1 (E10) when no `labels` companion is given: a
 * Parquet column with nulls, a '<U' array of an npz, a projector metadata.tsv with empty labels,
 * --label-column to choose another, the companion winning over a metadata column, and a dataset
 * of Parquet shards (each shard's column). Fixtures by
 * parquet-wasm and numpy (test/fixtures/information/make_metadata_label_fixtures.py), NC1 from
 * numpy there over the rows that have a label.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeInformationFile } from '../../src/core/information/analyzeInformation';
import { summarizeInformation } from '../../src/core/information/informationReport';
import { parseCliArguments } from '../../src/cli/cliArguments';
import { partialOfDataset } from '../../src/core/dataset/analyzeDataset';
import { informationOfDataset } from '../../src/core/dataset/datasetInformation';
import { assertClose, FIXTURES } from './support';

const DIR = path.join(FIXTURES, 'information', 'metadata_labels');
const E = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
/** float32 values analysed in float64 on both sides: only the summation order differs. */
const REL = 1e-9;

interface Expected { nc1: number; classes: number; rows: number; missing: number }

function assertNc1(nc1: { value: number | null; rows: number; details?: Record<string, unknown>; explanation?: string }, e: Expected, source: RegExp): void {
  assert.notEqual(nc1.value, null, nc1.explanation);
  assertClose(nc1.value!, e.nc1, REL, 1e-12, 'NC1');
  assert.equal(nc1.details!.classes, e.classes);
  assert.equal(nc1.rows, e.rows);
  assert.equal(nc1.details!.rowsWithoutLabel, e.missing || undefined);
  assert.match(String(nc1.details!.labels), source);
  assert.match(nc1.explanation ?? '', source);
  if (e.missing) assert.match(nc1.explanation!, new RegExp(`${e.missing} rows without a label left out of NC1`));
}

test('a Parquet string label column with nulls gives NC1 over the labelled rows, and says so', async () => {
  const r = await analyzeInformationFile(path.join(DIR, 'labelled.parquet'));
  assertNc1(r.collapse.nc1, E['labelled.parquet'].label, /Parquet column 'label' of labelled\.parquet \(string, 6 classes\)/);
  assert.ok(!r.collapse.nc1.flags.includes('needs_labels'));
  // the other figures keep every row: a missing label drops nothing else
  assert.equal(r.rows.used, 90);
  assert.match(summarizeInformation(r).join('\n'), /NC1 [0-9.]+ \(labels: Parquet column 'label' of labelled\.parquet \(string, 6 classes\); 8 rows without a label left out\)/);
});

test('--label-column chooses another column of the row metadata for NC1', async () => {
  const r = await analyzeInformationFile(path.join(DIR, 'labelled.parquet'), { labelColumn: 'topic' });
  assertNc1(r.collapse.nc1, E['labelled.parquet'].topic, /Parquet column 'topic' of labelled\.parquet \(string, 3 classes\)/);
  await assert.rejects(analyzeInformationFile(path.join(DIR, 'labelled.parquet'), { labelColumn: 'nope' }),
    (e: Error & { code?: string }) => e.code === 'bad-argument' && /no metadata column 'nope'/.test(e.message) && /'label', 'topic', 'id'/.test(e.message));
});

test('embdiag analyze --label-column turns the estimates on and reaches the information inputs', () => {
  const cmd = parseCliArguments(['analyze', 'x.parquet', '--label-column', 'topic']);
  assert.equal(cmd.kind, 'analyze');
  if (cmd.kind !== 'analyze') return;
  assert.equal(cmd.information, true);
  assert.equal(cmd.informationFlags.labelColumn, 'topic');
  assert.throws(() => parseCliArguments(['regime', 'x.parquet', '--latent', '2', '--label-column', 'topic']), /--label-column belongs to/);
});

test('a string array of an npz (not named labels) gives NC1', async () => {
  const r = await analyzeInformationFile(path.join(DIR, 'category.npz'));
  assertNc1(r.collapse.nc1, E['category.npz'].category, /'category' of category\.npz \(string, 4 classes\)/);
});

test('a projector metadata.tsv label column with empty labels gives NC1 over the labelled rows', async () => {
  const r = await analyzeInformationFile(path.join(DIR, 'vectors.tsv'));
  assertNc1(r.collapse.nc1, E['vectors.tsv'].label, /'label' of metadata\.tsv \(string, 3 classes\)/);
});

test('the labels companion wins over a label column of the row metadata', async () => {
  const r = await analyzeInformationFile(path.join(DIR, 'companion.npz'));
  assertNc1(r.collapse.nc1, E['companion.npz'].labels, /container key 'labels' of companion\.npz/);
  assert.ok(Math.abs(E['companion.npz'].category.nc1 - r.collapse.nc1.value!) > 1, 'the metadata column would give another NC1');
});

test('a dataset of Parquet shards: each shard\'s label column feeds NC1 over the sample rows that have a label', async () => {
  const shards = ['shard_0.parquet', 'shard_1.parquet'].map(f => path.join(DIR, f));
  const { partial } = await partialOfDataset(shards, { seed: 3, sampleRows: 1024 });
  assert.ok(partial);
  const r = await informationOfDataset(partial!, { maxRows: 10_000 });
  assertNc1(r.collapse.nc1, E.dataset.label, /Parquet column 'label' of every shard \(string, 4 classes\)/);
  await assert.rejects(informationOfDataset(partial!, {}, {}, {}, 'nope'), /No shard of the dataset has a metadata column 'nope'/);
});
