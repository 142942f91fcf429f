import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertExactly, withDump } from './formats.helpers';
import { referenceList } from './arrowReference';

/**
 * Null list rows (a pandas embedding column with some None, saved to Feather / Arrow): a null list
 * takes no space in the child array, so the column holds fewer values than rows x dim. Fixtures
 * written by apache-arrow (test/fixtures/make_arrow_fixtures.mjs): 28 rows in batches of 6 (all
 * null), 10, 7 and 5, null rows in three batches, a null element. Expected: apache-arrow's reading.
 */

const CASES = ['arrow/null_rows/list_float32.arrow', 'arrow/null_rows/fixed_float32.arrow'];

for (const rel of CASES) {
  test(`${rel}: null rows read as NaN rows, listed by nullRowsIn, dimension from the non-null lists`, async () => {
    const want = referenceList(rel, 'emb');
    assert.ok(want.nullRows.length >= 8, 'the fixture has null rows');
    await withDump(rel, async dump => {
      const m = await dump.open();
      assert.equal(m.name, 'emb');
      assert.deepEqual([m.rows, m.dim], [want.rows, want.dim]);
      assertExactly(await m.readRows(0, m.rows), want.values, 'all rows');
      for (const [start, count] of [[0, 6], [5, 3], [14, 13], [27, 1], [3, 22]]) {
        assertExactly(await m.readRows(start, count), want.values.slice(start * m.dim, (start + count) * m.dim), `rows ${start}+${count}`);
        assert.ok(m.nullRowsIn, 'the matrix lists null rows');
        assert.deepEqual(await m.nullRowsIn(start, count), want.nullRows.filter(r => r >= start && r < start + count), `null rows in ${start}+${count}`);
      }
      assert.deepEqual(await m.nullRowsIn!(0, m.rows), want.nullRows);
      assert.deepEqual(await m.nullRowsIn!(0, 0), []);
    });
  });
}

test('a list column of only null rows is not the default choice; the next candidate is', async () => {
  await withDump('arrow/null_rows/preferred_all_null.arrow', async dump => {
    const emb = dump.arrays.find(a => a.name === 'emb')!;
    assert.equal(emb.analysable, false, 'emb holds only null lists');
    assert.match(emb.reason!, /null/);
    const m = await dump.open();
    assert.equal(m.name, 'vectors');
    assert.equal(m.dim, referenceList('arrow/null_rows/preferred_all_null.arrow', 'vectors').dim);
  });
});
