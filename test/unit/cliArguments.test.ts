import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliArguments } from '../../src/cli/cliArguments';
import { EmbdiagError } from '../../src/core/errors';

test('analyze with every option', () => {
  const c = parseCliArguments(['analyze', 'x.npz', '--array', 'emb', '--max-rows', '500', '--seed', '7', '--json']);
  assert.equal(c.kind, 'analyze');
  if (c.kind !== 'analyze') return;
  assert.equal(c.file, 'x.npz');
  assert.equal(c.arrayName, 'emb');
  assert.equal(c.maxRows, 500);
  assert.equal(c.seed, 7);
  assert.equal(c.output, 'json');
});

test('defaults: 100000 rows, seed 0, text output', () => {
  const c = parseCliArguments(['analyze', 'x.npy']);
  assert.deepEqual(c.kind === 'analyze' && [c.maxRows, c.seed, c.output], [100000, 0, 'text']);
});

test('help and version', () => {
  assert.equal(parseCliArguments(['--help']).kind, 'help');
  assert.equal(parseCliArguments([]).kind, 'help');
  assert.equal(parseCliArguments(['-v']).kind, 'version');
});

for (const [argv, fragment] of [
  [['analyze'], 'needs a FILE'],
  [['frobnicate', 'x'], 'Unknown command'],
  [['analyze', 'x.npy', '--max-rows', '1'], '--max-rows'],
  [['analyze', 'x.npy', '--max-rows', '3.5'], '--max-rows'],
  [['analyze', 'x.npy', '--seed', '-1'], ''],
  [['analyze', 'x.npy', '--json', '--markdown'], 'cannot be combined'],
  [['analyze', 'x.npy', '--bogus'], 'embdiag --help'],
  [['regime', 'a.npy', 'b.npy'], 'one FILE'],
  [['stats', 'a.npy'], '-o OUT.embstats'],
  [['stats', 'a.npy', '-o', 'out.npz'], '.embstats'],
  [['merge', 'a.embstats', '-o', 'o.embstats', '--seed', '3'], '--seed does not apply'],
  [['analyze', 'a.npy', '--first-row', '3'], 'belongs to "embdiag stats"'],
] as [string[], string][]) {
  test(`rejects ${argv.join(' ')}`, () => {
    assert.throws(() => parseCliArguments(argv), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-argument' && e.message.includes(fragment));
  });
}
