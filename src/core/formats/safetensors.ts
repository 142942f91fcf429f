import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix } from './dumpFile';
import { DType, RefusedDType, refusedDTypeError, safetensorsDType } from './dtype';
import { DenseMatrix, findArray, matrixGeometry } from './npy';

/** The safetensors library refuses larger headers too. */
const MAX_HEADER_BYTES = 100_000_000;

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
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(8, headerLength)));
  } catch (e) {
    throw bad(`has a header that is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('has a header that is not a JSON object');

  const notes: string[] = [];
  const tensors: Tensor[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw && typeof raw === 'object') {
        const text = Object.entries(raw as Record<string, unknown>).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
        if (text) notes.push(`Metadata: ${text.length > 300 ? text.slice(0, 300) + '…' : text}`);
      }
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!t || typeof t !== 'object') throw bad(`has an entry '${name}' that is not a tensor description`);
    const shape = t.shape;
    if (!Array.isArray(shape) || !shape.every(d => Number.isSafeInteger(d) && d >= 0)) throw bad(`has tensor '${name}' with an invalid shape ${JSON.stringify(shape)}`);
    const offsets = t.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(o => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw bad(`has tensor '${name}' with invalid data_offsets ${JSON.stringify(offsets)}`);
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
    if (!Number.isSafeInteger(elements) || elements * dtype.dtype.itemSize !== end - begin) {
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
  };
}
