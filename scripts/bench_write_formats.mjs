#!/usr/bin/env node
// Part of `npm run bench`: rewrites a float32 .npy dump (rows x dim, C order) as another format,
// reading it in slices, so that neither the input nor the output is ever held whole.
//
//   node scripts/bench_write_formats.mjs arrow   IN.npy OUT.arrow   [BATCH_ROWS]     (apache-arrow, IPC file)
//   node scripts/bench_write_formats.mjs parquet IN.npy OUT.parquet [ROW_GROUP_ROWS] (parquet-wasm, i.e. Rust arrow/parquet)
//
// Arrow: a fixed-size-list<float32> column 'embedding', one record batch per BATCH_ROWS rows
// (default 65,536: pyarrow.feather.write_feather's chunk size), uncompressed.
// Parquet: a list<float32> column 'embedding' (what pandas / Hugging Face datasets write), snappy
// (pandas' default), one row group per ROW_GROUP_ROWS rows (default 131,072), streamed with
// parquet-wasm's transformParquetStream, one record batch at a time.
// Prints one JSON line: { seconds, bytes, maxRSS (KiB) }.
import * as fs from 'node:fs';

const [kind, input, output, groupArg] = process.argv.slice(2);

function npyGeometry(file) {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(4096);
  fs.readSync(fd, head, 0, head.length, 0);
  const major = head[6];
  const headerLength = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const offset = (major === 1 ? 10 : 12) + headerLength;
  const dict = head.toString('latin1', major === 1 ? 10 : 12, offset);
  const shape = /'shape':\s*\((\d+),\s*(\d+)\)/.exec(dict);
  if (!/'descr':\s*'<f4'/.test(dict) || /'fortran_order':\s*True/.test(dict) || !shape) throw new Error(`${file}: expected a C-order <f4 2-D array, got ${dict}`);
  return { fd, offset, rows: Number(shape[1]), dim: Number(shape[2]) };
}

/** Rows [r0, r0 + n) of the .npy as float32. */
function readSlice(g, r0, n) {
  const out = new Float32Array(n * g.dim);
  const bytes = new Uint8Array(out.buffer);
  let done = 0;
  while (done < bytes.length) {
    const k = fs.readSync(g.fd, bytes, done, bytes.length - done, g.offset + r0 * g.dim * 4 + done);
    if (k <= 0) throw new Error('the .npy is shorter than its header says');
    done += k;
  }
  return out;
}

function writeAll(fd, bytes) {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

async function writeArrow(g, file, batchRows) {
  const arrow = await import('apache-arrow');
  const item = new arrow.Field('item', new arrow.Float32(), false);
  const listType = new arrow.FixedSizeList(g.dim, item);
  const schema = new arrow.Schema([new arrow.Field('embedding', listType, false)]);
  const fd = fs.openSync(file, 'w');
  const writer = new arrow.RecordBatchFileWriter();
  // Straight to the file, synchronously, instead of apache-arrow's in-memory queue (which would
  // hold everything written until a reader drains it).
  writer._sink = { write: (bytes) => writeAll(fd, bytes), close() {}, abort() {}, closed: false };
  for (let r0 = 0; r0 < g.rows; r0 += batchRows) {
    const n = Math.min(batchRows, g.rows - r0);
    const values = arrow.makeData({ type: new arrow.Float32(), length: n * g.dim, nullCount: 0, data: readSlice(g, r0, n) });
    const lists = arrow.makeData({ type: listType, length: n, nullCount: 0, child: values });
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [lists] });
    writer.write(new arrow.RecordBatch(schema, struct));
  }
  writer.finish();
  writer.close();
  fs.closeSync(fd);
}

async function writeParquet(g, file, groupRows) {
  const arrow = await import('apache-arrow');
  const pw = await import('parquet-wasm');
  const item = new arrow.Field('item', new arrow.Float32(), true);
  const listType = new arrow.List(item);
  const schema = new arrow.Schema([new arrow.Field('embedding', listType, true)]);
  // Record batches of at most 16,384 rows go in; the writer cuts row groups of groupRows rows.
  const batchRows = Math.min(groupRows, 16384);
  let r0 = 0;
  const batches = new ReadableStream({
    pull(controller) {
      if (r0 >= g.rows) { controller.close(); return; }
      const n = Math.min(batchRows, g.rows - r0);
      const values = arrow.makeData({ type: new arrow.Float32(), length: n * g.dim, nullCount: 0, data: readSlice(g, r0, n) });
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = i * g.dim;
      const lists = arrow.makeData({ type: listType, length: n, nullCount: 0, valueOffsets: offsets, child: values });
      const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [lists] });
      const ipc = arrow.tableToIPC(new arrow.Table([new arrow.RecordBatch(schema, struct)]), 'stream');
      const table = pw.Table.fromIPCStream(ipc);
      controller.enqueue(table.recordBatch(0));
      table.free();
      r0 += n;
    },
  }, { highWaterMark: 1 });
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.SNAPPY)
    .setMaxRowGroupSize(groupRows)
    .build();
  const bytes = await pw.transformParquetStream(batches, props);
  const fd = fs.openSync(file, 'w');
  for await (const chunk of bytes) writeAll(fd, chunk);
  fs.closeSync(fd);
}

const t0 = performance.now();
const g = npyGeometry(input);
if (kind === 'arrow') await writeArrow(g, output, Number(groupArg ?? 65536));
else if (kind === 'parquet') await writeParquet(g, output, Number(groupArg ?? 131072));
else throw new Error(`unknown format ${kind} (arrow, parquet)`);
fs.closeSync(g.fd);
process.stdout.write(JSON.stringify({ seconds: (performance.now() - t0) / 1000, bytes: fs.statSync(output).size, maxRSS: process.resourceUsage().maxRSS }) + '\n');
