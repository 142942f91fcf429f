import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPathLiterals, pathLiteralAt } from '../../src/core/text/pathLiterals';

const EXT = ['.npy', '.npz', '.safetensors'];

test('finds quoted dump paths with their exact offsets', () => {
  const text = 'X = np.load("runs/emb.npy")\nY = np.load(\'b.NPZ\')\n';
  const found = findPathLiterals(text, EXT);
  assert.deepEqual(found.map(f => f.value), ['runs/emb.npy', 'b.NPZ']);
  for (const f of found) assert.equal(text.slice(f.start, f.end), f.value);
});

test('ignores other strings, f-string templates and unterminated quotes', () => {
  const text = 'print("hello")\np = f"runs/{step}.npy"\nq = "never closed.npy\n';
  assert.deepEqual(findPathLiterals(text, EXT), []);
});

test('raw strings and string prefixes keep the path inside the quotes', () => {
  const text = 'np.load(r"C:\\\\data\\\\emb.npy")';
  const [lit] = findPathLiterals(text, EXT);
  assert.equal(lit.value, 'C:\\data\\emb.npy');
  assert.equal(text[lit.start - 1], '"');
});

test('two literals on one line: the one under the cursor is chosen', () => {
  const text = 'a, b = np.load("a.npy"), np.load("b.npy")';
  const bStart = text.indexOf('b.npy');
  assert.equal(pathLiteralAt(text, bStart + 1, EXT)?.value, 'b.npy');
  assert.equal(pathLiteralAt(text, text.indexOf('a.npy'), EXT)?.value, 'a.npy');
  assert.equal(pathLiteralAt(text, 2, EXT), undefined);
});
