import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { FORMAT_FIXTURES, testFixtureFolder, withDump } from './formats.helpers';

/** Zarr stores written by zarr-python 2.13 (v2) and by hand after the v3 spec (test/fixtures/make_zarr_fixtures.py). */
const { readable, refusals } = testFixtureFolder('zarr', 'Zarr', 'zarr-python (or the v3 spec)');

test('the Zarr fixtures cover v2 and v3, directory and zip stores, and the refusals', () => {
  assert.ok(readable.length >= 18, `${readable.length} readable`);
  assert.ok(refusals.length >= 7, `${refusals.length} refusals`);
  assert.ok(readable.some(r => r.endsWith('.zip')) && readable.some(r => r.includes('v3_')));
});
