import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ValueColumn } from './dumpFile';
import { DType, RefusedDType, refusedDTypeError, safetensorsDType } from './dtype';
import { DenseMatrix, findArray, matrixGeometry } from './npy';
import { matrixValueColumn } from './valueColumns';

/** The safetensors library refuses larger headers too. */
const MAX_HEADER_BYTES = 100_000_000;

/**
 * A short rendering of a JSON value for messages and notes. JSON.stringify recurses, so a header
 * nested a million levels deep (JSON.parse reads it fine) would overflow the stack.
 */
function preview(value: unknown, limit = 80): string {
  let out = '';
  const visit = (v: unknown, depth: number): void => {
    if (out.length > limit) return;
    if (v === null || typeof v !== 'object') { out += typeof v === 'string' ? JSON.stringify(v.length > limit ? v.slice(0, limit) : v) : String(v); return; }
    if (depth >= 3) { out += Array.isArray(v) ? '[…]' : '{…}'; return; }
    const entries: [string | undefined, unknown][] = Array.isArray(v) ? v.map(x => [undefined, x]) : Object.entries(v);
    out += Array.isArray(v) ? '[' : '{';
    entries.forEach(([k, x], i) => {
      if (out.length > limit) return;
      if (i) out += ',';
      if (k !== undefined) out += JSON.stringify(k.length > limit ? k.slice(0, limit) : k) + ':';
      visit(x, depth + 1);
    });
    out += Array.isArray(v) ? ']' : '}';
  };
  visit(value, 0);
  return out.length > limit ? out.slice(0, limit) + '…' : out;
}

/** Fewer bytes per JSON array/object than any list of tensor descriptions has. */
const MIN_BYTES_PER_CONTAINER = 12;

/** '[' and '{' outside JSON strings (one pass over the bytes, nothing allocated). */
function countJsonContainers(bytes: Uint8Array): number {
  let count = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) count++;
  }
  return count;
}

interface Tensor {
  info: ArrayInfo;
  dtype?: DType;
  refused?: RefusedDType;
  begin: number;
  end: number;
}

/**
 * Opens a .safetensors file: u64 LE header length, a JSON header, then the tensors' bytes.
 * data_offsets are relative to the end of the header.
 */
export async function openSafetensors(source: ByteSource): Promise<DumpFile> {
  const bad = (problem: string) => new EmbdiagError('bad-header', `${source.name}: ${problem}.`,
    'The file is not a valid safetensors file; re-save it with safetensors.save_file.');
  if (source.size < 8) throw new EmbdiagError('truncated', `${source.name}: only ${source.size} bytes, too short for a safetensors header.`, 'The file is probably truncated; re-save it.');
  const first = await source.read(0, 8);
  const prefix = new DataView(first.buffer, first.byteOffset, 8);
  const headerLength = prefix.getUint32(4, true) * 4294967296 + prefix.getUint32(0, true);
  if (headerLength > MAX_HEADER_BYTES) throw bad(`declares a ${headerLength}-byte JSON header (at most ${MAX_HEADER_BYTES} allowed)`);
  if (8 + headerLength > source.size) {
    throw new EmbdiagError('truncated', `${source.name}: declares a ${headerLength}-byte header, but the file has only ${source.size} bytes.`,
      'The file is probably truncated, or not a safetensors file.');
  }
  const dataStart = 8 + headerLength;
  const dataBytes = source.size - dataStart;
  const headerBytes = await source.read(8, headerLength);
  // JSON.parse builds every array and object: a 100 MB header of '[],[],…' takes a minute and gigabytes.
  // A tensor description needs at least ~17 bytes per array/object ("a":{"dtype":"F32","shape":[],"data_offsets":[0,0]}).
  const containers = countJsonContainers(headerBytes);
  if (containers > headerLength / MIN_BYTES_PER_CONTAINER + 64) {
    throw bad(`has a ${headerLength}-byte header holding ${containers} JSON arrays and objects, far more than tensor descriptions need`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw bad(`has a header that is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('has a header that is not a JSON object');

  const notes: string[] = [];
  const tensors: Tensor[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw && typeof raw === 'object') {
        const text = Object.entries(raw as Record<string, unknown>).slice(0, 50).map(([k, v]) => `${k.slice(0, 100)}=${typeof v === 'string' ? v.slice(0, 300) : preview(v)}`).join(', ');
        if (text) notes.push(`Metadata: ${text.length > 300 ? text.slice(0, 300) + '…' : text}`);
      }
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!t || typeof t !== 'object') throw bad(`has an entry '${name}' that is not a tensor description`);
    const shape = t.shape;
    if (!Array.isArray(shape) || !shape.every(d => Number.isSafeInteger(d) && d >= 0)) throw bad(`has tensor '${name}' with an invalid shape ${preview(shape)}`);
    const offsets = t.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(o => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw bad(`has tensor '${name}' with invalid data_offsets ${preview(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (end > dataBytes) {
      throw new EmbdiagError('truncated', `${source.name}: tensor '${name}' occupies data bytes ${begin}..${end}, but the data section has only ${dataBytes} bytes.`,
        'The file is probably truncated or its header is wrong; re-save it.');
    }
    const dtype = safetensorsDType(t.dtype);
    let elements = 1;
    for (const d of shape as number[]) elements *= d;
    if (!dtype.ok) {
      tensors.push({ info: { name, dtype: dtype.refused.name, shape: shape as number[], analysable: false, reason: dtype.refused.reason }, refused: dtype.refused, begin, end });
      continue;
    }
    if (!Number.isSafeInteger(elements * dtype.dtype.itemSize)) {
      throw bad(`has tensor '${name}' with an impossibly large shape (${shape.join(', ')}): its byte size is beyond 2^53`);
    }
    if (elements * dtype.dtype.itemSize !== end - begin) {
      throw bad(`has tensor '${name}' of shape (${shape.join(', ')}) ${t.dtype}, which needs ${elements * dtype.dtype.itemSize} bytes, but its data_offsets span ${end - begin}`);
    }
    const geometry = matrixGeometry(shape as number[]);
    tensors.push({
      info: geometry.reason
        ? { name, dtype: dtype.dtype.name, shape: shape as number[], analysable: false, reason: geometry.reason }
        : { name, dtype: dtype.dtype.name, shape: shape as number[], analysable: true },
      dtype: dtype.dtype, begin, end,
    });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < tensors.length; i++) {
    const [a, b] = [tensors[i - 1], tensors[i]];
    if (b.begin < a.end) throw bad(`has tensors '${a.info.name}' (bytes ${a.begin}..${a.end}) and '${b.info.name}' (bytes ${b.begin}..${b.end}) that overlap`);
  }
  const arrays = tensors.map(t => t.info);
  return {
    format: 'safetensors',
    arrays,
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const info = findArray(source.name, arrays, requested);
      const tensor = tensors.find(t => t.info === info)!;
      if (tensor.refused || !tensor.dtype) throw refusedDTypeError(source.name, `tensor '${info.name}'`, tensor.refused!);
      if (!info.analysable) throw new EmbdiagError('bad-shape', `${source.name}: tensor '${info.name}' cannot be analysed: ${info.reason}.`, 'Pick another tensor.');
      return new DenseMatrix(source, { name: info.name, dtype: tensor.dtype, shape: info.shape, dataOffset: dataStart + tensor.begin, fortranOrder: false });
    },
    /** 1-D tensors (and N×1 ones) of numbers: labels, ids. */
    async valueColumns(): Promise<ValueColumn[]> {
      return tensors.filter(t => t.dtype && (t.info.shape.length === 1 || (t.info.shape.length === 2 && t.info.shape[1] === 1)))
        .map(t => matrixValueColumn(new DenseMatrix(source, { name: t.info.name, dtype: t.dtype!, shape: [t.info.shape[0], 1], dataOffset: dataStart + t.begin, fortranOrder: false })));
    },
  };
}
