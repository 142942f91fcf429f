#!/usr/bin/env node
// Part of `npm run bench`: rewrites a float32 .npy dump (rows x dim, C order) as another format,
// reading it in slices, so that neither the input nor the output is ever held whole.
//
//   node scripts/bench_write_formats.mjs arrow   IN.npy OUT.arrow   [BATCH_ROWS]     (apache-arrow, IPC file)
//   node scripts/bench_write_formats.mjs parquet IN.npy OUT.parquet [ROW_GROUP_ROWS] (parquet-wasm, i.e. Rust arrow/parquet)
//   node scripts/bench_write_formats.mjs parquet-1rg IN.npy OUT.parquet             (one row group, written here)
//
// Arrow: a fixed-size-list<float32> column 'embedding', one record batch per BATCH_ROWS rows
// (default 65,536: pyarrow.feather.write_feather's chunk size), uncompressed.
// Parquet: a list<float32> column 'embedding' (what pandas / Hugging Face datasets write), snappy
// (pandas' default), one row group per ROW_GROUP_ROWS rows (default 131,072), streamed with
// parquet-wasm's transformParquetStream, one record batch at a time.
// Parquet in one row group, as pandas and pyarrow write up to 1,048,576 rows: the Rust writer buffers
// a whole row group (it fails at 2.46 GB), so this one is written here, page by page: the same
// list<float32> column (3-level LIST, optional), data pages v1 of ~1 MiB, PLAIN, uncompressed.
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

/** Thrift compact protocol, just what a Parquet footer and page headers need. */
class Thrift {
  constructor() { this.bytes = []; }
  byte(b) { this.bytes.push(b & 0xff); }
  varint(n) { while (n >= 0x80) { this.byte((n % 0x80) | 0x80); n = Math.floor(n / 0x80); } this.byte(n); }
  int(n) { this.varint(n >= 0 ? 2 * n : -2 * n - 1); }
  binary(str) { const b = Buffer.from(str); this.varint(b.length); for (const x of b) this.byte(x); }
  /** fields: [id, type, write][] in increasing id order. */
  struct(fields) {
    let last = 0;
    for (const [id, type, write] of fields) {
      const delta = id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type); else { this.byte(type); this.int(id); }
      write(this);
      last = id;
    }
    this.byte(0);
  }
  list(type, items) {
    if (items.length < 15) this.byte((items.length << 4) | type); else { this.byte(0xf0 | type); this.varint(items.length); }
    for (const item of items) item(this);
  }
}
const TI32 = 5, TI64 = 6, TBIN = 8, TLIST = 9, TSTRUCT = 12;
const i32 = (id, v) => [id, TI32, w => w.int(v)];
const i64 = (id, v) => [id, TI64, w => w.int(v)];
const bin = (id, v) => [id, TBIN, w => w.binary(v)];
const sub = (id, fields) => [id, TSTRUCT, w => w.struct(fields)];
const le32 = (n) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

function writeParquetOneGroup(g, file) {
  const fd = fs.openSync(file, 'w');
  writeAll(fd, Buffer.from('PAR1'));
  let pos = 4;
  const rowsPerPage = Math.max(1, Math.floor((1 << 20) / (4 * g.dim)));
  // levels of one row: a row start then dim - 1 continuations (RLE runs); every entry defined (level 3)
  const rowRep = new Thrift();
  rowRep.varint(2); rowRep.byte(0);
  if (g.dim > 1) { rowRep.varint((g.dim - 1) * 2); rowRep.byte(1); }
  for (let r0 = 0; r0 < g.rows; r0 += rowsPerPage) {
    const n = Math.min(rowsPerPage, g.rows - r0);
    const rep = [];
    for (let r = 0; r < n; r++) rep.push(...rowRep.bytes);
    const def = new Thrift();
    def.varint(n * g.dim * 2); def.byte(3);
    const values = new Uint8Array(readSlice(g, r0, n).buffer);
    const levels = Uint8Array.from([...le32(rep.length), ...rep, ...le32(def.bytes.length), ...def.bytes]);
    const size = levels.length + values.length;
    const h = new Thrift();
    h.struct([i32(1, 0), i32(2, size), i32(3, size), sub(5, [i32(1, n * g.dim), i32(2, 0), i32(3, 3), i32(4, 3)])]);
    const header = Uint8Array.from(h.bytes);
    writeAll(fd, header); writeAll(fd, levels); writeAll(fd, values);
    pos += header.length + size;
  }
  const chunkBytes = pos - 4;
  const meta = [i32(1, 4), [2, TLIST, w => w.list(TI32, [x => x.int(0), x => x.int(3)])],
    [3, TLIST, w => w.list(TBIN, ['embedding', 'list', 'element'].map(x => t => t.binary(x)))],
    i32(4, 0), i64(5, g.rows * g.dim), i64(6, chunkBytes), i64(7, chunkBytes), i64(9, 4)];
  const footer = new Thrift();
  footer.struct([
    i32(1, 1),
    [2, TLIST, w => w.list(TSTRUCT, [
      x => x.struct([bin(4, 'schema'), i32(5, 1)]),
      x => x.struct([i32(3, 1), bin(4, 'embedding'), i32(5, 1), i32(6, 3)]),
      x => x.struct([i32(3, 2), bin(4, 'list'), i32(5, 1)]),
      x => x.struct([i32(1, 4), i32(3, 1), bin(4, 'element')]),
    ])],
    i64(3, g.rows),
    [4, TLIST, w => w.list(TSTRUCT, [x => x.struct([[1, TLIST, t => t.list(TSTRUCT, [c => c.struct([i64(2, 4), sub(3, meta)])])], i64(2, chunkBytes), i64(3, g.rows)])])],
    bin(6, 'embdiag bench (scripts/bench_write_formats.mjs)'),
  ]);
  writeAll(fd, Uint8Array.from([...footer.bytes, ...le32(footer.bytes.length), ...Buffer.from('PAR1')]));
  fs.closeSync(fd);
}

const t0 = performance.now();
const g = npyGeometry(input);
if (kind === 'arrow') await writeArrow(g, output, Number(groupArg ?? 65536));
else if (kind === 'parquet') await writeParquet(g, output, Number(groupArg ?? 131072));
else if (kind === 'parquet-1rg') writeParquetOneGroup(g, output);
else throw new Error(`unknown format ${kind} (arrow, parquet, parquet-1rg)`);
fs.closeSync(g.fd);
process.stdout.write(JSON.stringify({ seconds: (performance.now() - t0) / 1000, bytes: fs.statSync(output).size, maxRSS: process.resourceUsage().maxRSS }) + '\n');
