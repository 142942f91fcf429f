import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetLiteralAt, findDatasetLiterals, findPathLiterals, isWrittenHere, pathLiteralAt } from '../../src/core/text/pathLiterals';

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

test('a glob of dumps is a dataset literal, not a file path (no "missing file" for it)', () => {
  const text = 'files = glob("runs/emb-*.npy")\nds = load_dataset("parquet", data_files="data/train-*.parquet")\n';
  assert.deepEqual(findPathLiterals(text, [...EXT, '.parquet']), []);
  const found = findDatasetLiterals(text, [...EXT, '.parquet']);
  assert.deepEqual(found.map(f => [f.value, f.kind]), [['runs/emb-*.npy', 'glob'], ['data/train-*.parquet', 'glob']]);
  for (const f of found) assert.equal(text.slice(f.start, f.end), f.value);
  // a glob of other files is not ours
  assert.deepEqual(findDatasetLiterals('glob("logs/*.txt")', EXT), []);
});

test('a folder passed where a dataset goes, or written with a trailing slash, is a folder candidate', () => {
  const text = [
    'ds = load_dataset("parquet", data_dir="data/train")',
    'table = pq.ParquetDataset("shards")',
    'df = pd.read_parquet(path="exports/emb")',
    'out = "runs/2024-05/"',
  ].join('\n');
  const found = findDatasetLiterals(text, EXT);
  assert.deepEqual(found.map(f => [f.value, f.kind]),
    [['data/train', 'folder'], ['shards', 'folder'], ['exports/emb', 'folder'], ['runs/2024-05/', 'folder']]);
  for (const f of found) assert.equal(text.slice(f.start, f.end), f.value);
});

test('plain strings, files, prose and URLs are not folder candidates', () => {
  const text = 'name = "train"\nx = np.load("a.npy")\nprint("see the data dir")\nload_dataset("https://host/data/")\nglob("a.txt")';
  assert.deepEqual(findDatasetLiterals(text, EXT), []);
});

test('the dataset literal under the cursor', () => {
  const text = 'a = glob("x/*.npy"); b = glob("y/*.npz")';
  assert.equal(datasetLiteralAt(text, text.indexOf('y/*') + 2, EXT)?.value, 'y/*.npz');
  assert.equal(datasetLiteralAt(text, text.indexOf('a ='), EXT), undefined);
});

test('Zarr stores: zarr.open("emb.zarr"), xr.open_zarr(...) and zip stores are dump paths; opened for writing, they are not expected to exist', () => {
  const ZARR = ['.zarr', '.zarr.zip'];
  const text = 'z = zarr.open("runs/emb.zarr", mode="r")\nds = xr.open_zarr(\'data/vectors.zarr\')\nzs = zarr.ZipStore("emb.zarr.zip")\nout = zarr.open("new.zarr", mode="w")\nds.to_zarr("copy.zarr")\n';
  const found = findPathLiterals(text, ZARR);
  assert.deepEqual(found.map(f => f.value), ['runs/emb.zarr', 'data/vectors.zarr', 'emb.zarr.zip', 'new.zarr', 'copy.zarr']);
  const written = found.map(f => {
    const lineStart = text.lastIndexOf('\n', f.start) + 1;
    const lineEnd = text.indexOf('\n', f.end);
    return isWrittenHere(text.slice(lineStart, f.start - 1), text.slice(f.end + 1, lineEnd));
  });
  assert.deepEqual(written, [false, false, false, true, true]);
  // the writing calls of the other formats still count
  assert.equal(isWrittenHere('np.save(', ', x)'), true);
  assert.equal(isWrittenHere('np.load(', ', mmap_mode="r")'), false);
});
