import { ByteSource, SliceByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ValueColumn } from './dumpFile';
import { matrixValueColumn } from './valueColumns';
import { DType, DTypeName, DTypeResult, makeDType, refusedDTypeError } from './dtype';
import { DenseMatrix, fileStem, findArray, matrixGeometry } from './npy';
import { AllowedGlobal, PyCustom, PyDict, PyGlobal, PySet, PyTuple, PyValue, describePyValue, unpickle, walkPickle } from './pickle';
import { StridedMatrix, isContiguous } from './stridedMatrix';
import { ZipEntry, hasZipMagic, openZipEntry, openZipEntryForRandomAccess, readZipDirectory } from './zip';

/**
 * PyTorch files written by torch.save (.pt / .pth / .bin):
 * - the zip format (default since PyTorch 1.6): `<prefix>/data.pkl` holds the pickled object,
 *   whose tensors refer to storages `<prefix>/data/<key>` (stored, 64-byte aligned);
 * - the legacy format (`_use_new_zipfile_serialization=False`): five pickles in a row (magic
 *   number, protocol version, system info, the object, the storage keys), then each storage as
 *   an int64 element count followed by its raw bytes, in the order of the keys.
 * The pickles go through the restricted unpickler (pickle.ts): only the globals tensor files
 * need are understood, anything else is refused without being executed.
 */

/** Largest compressed storage decoded whole into memory. */
const MAX_IN_MEMORY_BYTES = 128 << 20;
/** data.pkl (or the legacy pickles) larger than this are not plausible for a tensor file. */
const MAX_PICKLE_BYTES = 64 << 20;
/** The legacy format's magic number, pickled first (protocol 2 LONG1). */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const LEGACY_PROTOCOL_VERSION = 1001;

const REFUSAL_HINT = 'Only tensors and dicts/lists of tensors can be read from a PyTorch file. Save just the embeddings, e.g. torch.save({"embeddings": t}, path), or use safetensors.';

/** Storage classes → element types. */
const STORAGE_DTYPES: Record<string, DTypeName> = {
  DoubleStorage: 'float64', FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  Float8_e4m3fnStorage: 'float8_e4m3fn', Float8_e5m2Storage: 'float8_e5m2',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8',
  ByteStorage: 'uint8', UInt16Storage: 'uint16', UInt32Storage: 'uint32', UInt64Storage: 'uint64',
  BoolStorage: 'bool', UntypedStorage: 'uint8',
};
/** Storage classes we recognise but cannot analyse. */
const REFUSED_STORAGES: Record<string, [string, string]> = {
  ComplexFloatStorage: ['complex64', 'it holds complex numbers; save the real part (or abs) as a float tensor'],
  ComplexDoubleStorage: ['complex128', 'it holds complex numbers; save the real part (or abs) as a float tensor'],
  ComplexHalfStorage: ['complex32', 'it holds complex numbers; save the real part (or abs) as a float tensor'],
  QInt8Storage: ['qint8', 'it is a quantized tensor; save t.dequantize()'],
  QUInt8Storage: ['quint8', 'it is a quantized tensor; save t.dequantize()'],
  QInt32Storage: ['qint32', 'it is a quantized tensor; save t.dequantize()'],
  QUInt4x2Storage: ['quint4x2', 'it is a quantized tensor; save t.dequantize()'],
  QUInt2x4Storage: ['quint2x4', 'it is a quantized tensor; save t.dequantize()'],
  Float8_e4m3fnuzStorage: ['float8_e4m3fnuz', 'its float8 variant is not supported; convert it to float32'],
  Float8_e5m2fnuzStorage: ['float8_e5m2fnuz', 'its float8 variant is not supported; convert it to float32'],
};

/** dtype objects (torch.float32, ...): values in tensor metadata, and _rebuild_tensor_v3's element type. */
const TORCH_DTYPES: Record<string, DTypeName | undefined> = {
  float64: 'float64', double: 'float64', float32: 'float32', float: 'float32', float16: 'float16', half: 'float16', bfloat16: 'bfloat16',
  int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', int16: 'int16', short: 'int16', int8: 'int8',
  uint8: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64', bool: 'bool',
  float8_e4m3fn: 'float8_e4m3fn', float8_e5m2: 'float8_e5m2', complex64: undefined, complex128: undefined,
};

interface StorageInfo {
  key: string;
  storageType: string;
  dtype: DTypeResult;
  /** Declared element count (of the storage's element type). */
  numel: number;
  location: string;
  /** Legacy views into another storage: [root key, element offset, element count]. */
  view?: [string, number, number];
}

class TorchStorage implements PyCustom {
  readonly pyKind = 'storage';
  constructor(readonly info: StorageInfo) {}
}

class TorchTensor implements PyCustom {
  readonly pyKind = 'tensor';
  constructor(readonly storage: StorageInfo, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}

function badFile(label: string, problem: string): EmbdiagError {
  return new EmbdiagError('bad-header', `${label}: ${problem}.`, 'The file is damaged or was not written by torch.save; re-save it.');
}

function intList(v: PyValue, label: string, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : undefined;
  if (!items || !items.every(x => typeof x === 'number' && Number.isSafeInteger(x))) throw badFile(label, `a tensor's ${what} is ${describePyValue(v)}, not a tuple of integers`);
  return items as number[];
}

function storageDType(storageType: string): DTypeResult {
  const name = STORAGE_DTYPES[storageType];
  if (name) return { ok: true, dtype: makeDType(name, true) };
  const refused = REFUSED_STORAGES[storageType];
  if (refused) return { ok: false, refused: { name: refused[0], code: 'unsupported-dtype', reason: refused[1] } };
  return { ok: false, refused: { name: storageType, code: 'unsupported-dtype', reason: `its storage type ${storageType} is not supported` } };
}

/** The globals a tensor file may reference, and what they build. */
function torchGlobals(label: string): Map<string, AllowedGlobal> {
  const g = new Map<string, AllowedGlobal>();
  const rebuildTensor = (args: readonly PyValue[]): PyValue => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof TorchStorage)) throw badFile(label, `a tensor is rebuilt from ${describePyValue(storage ?? null)}, not from a storage`);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) throw badFile(label, `a tensor's storage offset is ${describePyValue(offset ?? null)}`);
    return new TorchTensor(storage.info, offset, intList(size ?? null, label, 'size'), intList(stride ?? null, label, 'stride'));
  };
  g.set('torch._utils._rebuild_tensor_v2', { call: rebuildTensor });
  // (storage, offset, size, stride, requires_grad, hooks, dtype[, metadata]): an untyped (byte) storage read as `dtype`.
  g.set('torch._utils._rebuild_tensor_v3', {
    call: (args) => {
      const [storage, , , , , , dtype] = args;
      if (!(storage instanceof TorchStorage) || !(dtype instanceof PyGlobal) || dtype.module !== 'torch') throw badFile(label, 'a tensor is rebuilt (v3) without a storage and a dtype');
      const name = TORCH_DTYPES[dtype.name];
      const base = storage.info;
      const typed: DTypeResult = name ? { ok: true, dtype: makeDType(name, true) } : { ok: false, refused: { name: dtype.name, code: 'unsupported-dtype', reason: `its element type torch.${dtype.name} is not supported` } };
      const itemSize = typed.ok ? typed.dtype.itemSize : 1;
      const bytes = base.numel * (base.dtype.ok ? base.dtype.dtype.itemSize : 1);
      const info: StorageInfo = { ...base, dtype: typed, numel: Math.floor(bytes / itemSize) };
      return rebuildTensor([new TorchStorage(info), ...args.slice(1)]);
    },
  });
  g.set('torch._utils._rebuild_tensor', { call: rebuildTensor });
  // nn.Parameter: (data, requires_grad, backward_hooks[, state]) → the data tensor.
  const parameter = (args: readonly PyValue[]): PyValue => {
    if (!(args[0] instanceof TorchTensor)) throw badFile(label, `a Parameter wraps ${describePyValue(args[0] ?? null)}, not a tensor`);
    return args[0];
  };
  g.set('torch._utils._rebuild_parameter', { call: parameter });
  g.set('torch._utils._rebuild_parameter_with_state', { call: parameter });
  // Tensor subclasses: (func, new_type, args, state); only plain tensors and Parameters.
  g.set('torch._tensor._rebuild_from_type_v2', {
    call: (args) => {
      const [func, type, inner] = args;
      if (!(type instanceof PyGlobal) || (type.qualifiedName !== 'torch.Tensor' && type.qualifiedName !== 'torch.nn.parameter.Parameter')) {
        throw new EmbdiagError('pickle-refused', `${label}: refused to load: a tensor subclass ${describePyValue(type ?? null)}. Nothing from the file was executed.`, REFUSAL_HINT);
      }
      if (!(func instanceof PyGlobal) || !(inner instanceof PyTuple)) throw badFile(label, 'a tensor subclass is rebuilt without a rebuild function and arguments');
      const allowed = g.get(func.qualifiedName);
      if (!allowed?.call) throw new EmbdiagError('pickle-refused', `${label}: refused to load: the pickle calls '${func.qualifiedName}'. Nothing from the file was executed.`, REFUSAL_HINT);
      return allowed.call(inner.items);
    },
  });
  g.set('torch.Tensor', {});
  g.set('torch.nn.parameter.Parameter', {});
  for (const name of [...Object.keys(STORAGE_DTYPES), ...Object.keys(REFUSED_STORAGES)]) g.set(`torch.${name}`, {});
  for (const name of Object.keys(TORCH_DTYPES)) g.set(`torch.${name}`, {});
  g.set('collections.OrderedDict', {
    call: (args) => {
      const d = new PyDict('OrderedDict');
      const init = args[0];
      if (init === undefined) return d;
      const pairs = Array.isArray(init) ? init : init instanceof PyTuple ? init.items : undefined;
      if (!pairs) throw badFile(label, `an OrderedDict is built from ${describePyValue(init)}`);
      for (const p of pairs) {
        const kv = p instanceof PyTuple ? p.items : Array.isArray(p) ? p : [];
        if (kv.length !== 2) throw badFile(label, 'an OrderedDict is built from something other than pairs');
        d.set(kv[0], kv[1]);
      }
      return d;
    },
  });
  g.set('torch.Size', { call: (args) => new PyTuple(intList(args[0] ?? null, label, 'size')) });
  // Protocol 2 pickles bytes as _codecs.encode(text, 'latin1').
  g.set('_codecs.encode', {
    call: ([text, encoding]) => {
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) throw badFile(label, 'unexpected arguments to _codecs.encode');
      return Uint8Array.from(text, c => c.charCodeAt(0) & 0xff);
    },
  });
  g.set('builtins.set', { call: ([items]) => new PySet(Array.isArray(items) ? [...items] : []) });
  g.set('builtins.frozenset', { call: ([items]) => new PySet(Array.isArray(items) ? [...items] : []) });
  return g;
}

/** ('storage', storage_type, key, location, numel[, view_metadata]) → a storage reference. */
function storageFromPid(pid: PyValue, label: string, storages: Map<string, StorageInfo>): TorchStorage {
  const items = pid instanceof PyTuple ? pid.items : undefined;
  if (!items || items[0] !== 'storage' || items.length < 5) throw badFile(label, `a persistent reference ${describePyValue(pid)} is not a storage`);
  const [, type, key, location, numel, view] = items;
  if (!(type instanceof PyGlobal) || typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw badFile(label, `a storage reference has unexpected fields (${items.map(describePyValue).join(', ')})`);
  }
  let info = storages.get(key);
  if (!info) {
    info = { key, storageType: type.name, dtype: storageDType(type.name), numel, location: typeof location === 'string' ? location : '?' };
    storages.set(key, info);
  }
  if (view !== undefined && view !== null) {
    const v = view instanceof PyTuple ? view.items : [];
    const [viewKey, offset, size] = v;
    if (typeof viewKey !== 'string' || typeof offset !== 'number' || typeof size !== 'number') throw badFile(label, 'a storage view has unexpected fields');
    const viewInfo: StorageInfo = { ...info, key: viewKey, numel: size, view: [key, offset, size] };
    storages.set(viewKey, viewInfo);
    return new TorchStorage(viewInfo);
  }
  return new TorchStorage(info);
}

interface NamedTensor {
  info: ArrayInfo;
  tensor?: TorchTensor;
}

/** Finds the tensors in the unpickled object; a bare tensor is named after the file. */
function collectTensors(root: PyValue, label: string, stem: string): { tensors: NamedTensor[]; others: string[] } {
  const tensors: NamedTensor[] = [];
  const others: string[] = [];
  const used = new Set<string>();
  walkPickle(root, label, (value, path) => {
    if (value instanceof TorchTensor) {
      let name = path.length ? path.join('.') : stem;
      for (let i = 2; used.has(name); i++) name = `${path.join('.')}#${i}`;
      used.add(name);
      tensors.push({ info: tensorInfo(name, value), tensor: value });
      return false;
    }
    if (value instanceof TorchStorage) { others.push(`${path.join('.') || '(root)'} (a bare storage)`); return false; }
    const isContainer = Array.isArray(value) || value instanceof PyTuple || value instanceof PyDict;
    if (!isContainer && path.length) others.push(`${path.join('.')}=${describePyValue(value)}`);
    return isContainer;
  });
  return { tensors, others };
}

function tensorInfo(name: string, t: TorchTensor): ArrayInfo {
  const dtype = t.storage.dtype;
  if (!dtype.ok) return { name, dtype: dtype.refused.name, shape: t.shape, analysable: false, reason: dtype.refused.reason };
  const geometry = matrixGeometry(t.shape);
  return geometry.reason
    ? { name, dtype: dtype.dtype.name, shape: t.shape, analysable: false, reason: geometry.reason }
    : { name, dtype: dtype.dtype.name, shape: t.shape, analysable: true };
}

/** Highest element index a view touches, or -1 when it is empty. */
function lastElement(t: TorchTensor): number {
  if (t.shape.some(d => d === 0)) return -1;
  let last = t.offset;
  for (let i = 0; i < t.shape.length; i++) last += (t.shape[i] - 1) * t.stride[i];
  return last;
}

/** Where a storage's bytes are: a ByteSource (its start is element 0) and its size in bytes. */
interface StorageLocation {
  open(): Promise<ByteSource>;
  byteLength: number;
}

/** Checks every tensor against its storage; throws naming the first that does not fit. */
function checkTensors(label: string, tensors: NamedTensor[], locate: (s: StorageInfo) => StorageLocation): void {
  for (const { info, tensor } of tensors) {
    if (!tensor) continue;
    const { shape, stride, offset, storage } = tensor;
    if (shape.length !== stride.length) throw badFile(label, `tensor '${info.name}' has shape (${shape.join(', ')}) but ${stride.length} strides`);
    if (shape.some(d => d < 0) || stride.some(s => s < 0) || offset < 0) {
      throw badFile(label, `tensor '${info.name}' has a negative size, stride or offset (shape (${shape.join(', ')}), stride (${stride.join(', ')}), offset ${offset})`);
    }
    const last = lastElement(tensor);
    const count = shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(last) || !Number.isSafeInteger(count)) throw badFile(label, `tensor '${info.name}' has an impossibly large shape (${shape.join(', ')})`);
    if (last < 0) continue;
    if (last >= storage.numel) {
      throw badFile(label, `tensor '${info.name}' (shape (${shape.join(', ')}), stride (${stride.join(', ')}), offset ${offset}) reaches element ${last} of its storage '${storage.key}', which holds only ${storage.numel} elements`);
    }
    if (!storage.dtype.ok) continue;
    const size = storage.dtype.dtype.itemSize;
    const where = locate(storage);
    const needed = (last + 1) * size;
    if (where.byteLength < needed) {
      throw new EmbdiagError('truncated',
        `${label}: tensor '${info.name}' (shape (${shape.join(', ')}), stride (${stride.join(', ')}), offset ${offset}) needs ${needed} bytes of its storage '${storage.key}', but the file holds only ${where.byteLength}.`,
        'The file is probably truncated (an interrupted save or copy); re-save it with torch.save.');
    }
  }
}

/** Builds the matrix for a tensor: dense readers for C- or Fortran-contiguous views, gathering otherwise. */
function tensorMatrix(storageSource: ByteSource, name: string, dtype: DType, t: TorchTensor): EmbeddingMatrix {
  const size = dtype.itemSize;
  if (isContiguous(t.shape, t.stride, false)) {
    return new DenseMatrix(storageSource, { name, dtype, shape: t.shape, dataOffset: t.offset * size, fortranOrder: false });
  }
  if (t.shape.length >= 2 && isContiguous(t.shape, t.stride, true)) {
    return new DenseMatrix(storageSource, { name, dtype, shape: t.shape, dataOffset: t.offset * size, fortranOrder: true,
      notes: ['A transposed (column-major) view of its storage.'] });
  }
  return new StridedMatrix(storageSource, name, dtype, t.shape, t.stride, t.offset);
}

// ---- detection ------------------------------------------------------------

export function hasTorchLegacyMagic(head: Uint8Array): boolean {
  return head.length >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((b, i) => head[i] === b);
}

/** The data.pkl entry of a torch zip archive (any archive prefix), if any. */
export function findTorchPickle(entries: ZipEntry[]): ZipEntry | undefined {
  const candidates = entries.filter(e => /(^|\/)data\.pkl$/.test(e.name));
  candidates.sort((a, b) => a.name.length - b.name.length);
  return candidates[0];
}

function isTar(head: Uint8Array): boolean {
  return head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar';
}

// ---- opening -----------------------------------------------------------------

/** Opens a torch.save file (zip or legacy format). */
export async function openTorch(source: ByteSource, fileName: string): Promise<DumpFile> {
  const head = await source.read(0, Math.min(source.size, 512));
  if (hasZipMagic(head)) {
    try {
      return await openTorchZip(source, fileName);
    } catch (e) {
      // The zip reader's advice speaks of np.savez; say torch.save here.
      if (e instanceof EmbdiagError && e.code === 'bad-archive' && e.hint) {
        throw new EmbdiagError('bad-archive', e.message.slice(0, e.message.length - e.hint.length - 1),
          'The archive is damaged or truncated (an interrupted save or copy); re-save it with torch.save or re-copy it.');
      }
      throw e;
    }
  }
  if (hasTorchLegacyMagic(head)) return openTorchLegacy(source, fileName);
  if (isTar(head)) {
    throw new EmbdiagError('unknown-format', `${source.name}: is a tar archive: the tar-based torch.save format of PyTorch before 0.4 is not supported.`,
      'Load it with PyTorch and re-save it with a current torch.save (or as safetensors).');
  }
  if (source.size < 4) throw new EmbdiagError('truncated', `${source.name}: only ${source.size} bytes, too short for a PyTorch file.`, 'The file is probably truncated; re-save it.');
  throw new EmbdiagError('bad-header', `${source.name}: is not a PyTorch file written by torch.save (neither a zip archive nor the legacy pickle format).`,
    'Re-save it with torch.save, or use a format this tool reads (.npy, .safetensors, ...).');
}

function makeDump(source: ByteSource, fileName: string, root: PyValue, formatNote: string,
  storages: Map<string, StorageInfo>, locate: (s: StorageInfo) => StorageLocation, littleEndian: boolean): DumpFile {
  const label = source.name;
  const { tensors, others } = collectTensors(root, label, fileStem(fileName));
  checkTensors(label, tensors, locate);
  const notes = [formatNote];
  if (root instanceof PyDict && root.className === 'OrderedDict') notes.push('An OrderedDict of tensors (a state dict).');
  if (!littleEndian) notes.push('Saved on a big-endian machine: values are byte-swapped on reading.');
  if (others.length) notes.push(`Also holds ${others.length} non-tensor value${others.length === 1 ? '' : 's'}: ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}.`);
  if (tensors.length === 0) {
    throw new EmbdiagError('no-array', `${label}: holds no tensors (it unpickles to ${describePyValue(root)}).`, 'Save the embeddings as a tensor: torch.save({"embeddings": t}, path).');
  }
  const arrays = tensors.map(t => t.info);
  const sharing = new Set(tensors.map(t => t.tensor?.storage.view?.[0] ?? t.tensor?.storage.key)).size;
  if (sharing < tensors.length) notes.push(`${tensors.length} tensors share ${sharing} storage${sharing === 1 ? '' : 's'} (views of one another).`);
  return {
    format: 'pt',
    arrays,
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const info = findArray(label, arrays, requested);
      const t = tensors.find(x => x.info === info)!.tensor!;
      if (!t.storage.dtype.ok) throw refusedDTypeError(label, `tensor '${info.name}'`, t.storage.dtype.refused);
      if (!info.analysable) throw new EmbdiagError('bad-shape', `${label}: tensor '${info.name}' cannot be analysed: ${info.reason}.`, 'Pick another tensor.');
      const dtype = littleEndian ? t.storage.dtype.dtype : makeDType(t.storage.dtype.dtype.name, false);
      return tensorMatrix(await locate(t.storage).open(), info.name, dtype, t);
    },
    /** 1-D tensors of numbers (labels, ids), read as N×1 columns. */
    async valueColumns(): Promise<ValueColumn[]> {
      const columns: ValueColumn[] = [];
      for (const { info, tensor: t } of tensors) {
        if (!t || !t.storage.dtype.ok || t.shape.length !== 1) continue;
        const dtype = littleEndian ? t.storage.dtype.dtype : makeDType(t.storage.dtype.dtype.name, false);
        const column = new TorchTensor(t.storage, t.offset, [t.shape[0], 1], [t.stride[0], 1]);
        columns.push(matrixValueColumn(tensorMatrix(await locate(t.storage).open(), info.name, dtype, column)));
      }
      return columns;
    },
  };
}

async function openTorchZip(source: ByteSource, fileName: string): Promise<DumpFile> {
  const entries = await readZipDirectory(source);
  const pkl = findTorchPickle(entries);
  if (!pkl) {
    const names = entries.slice(0, 5).map(e => e.name).join(', ');
    throw new EmbdiagError('bad-header', `${source.name}: is a zip archive without a data.pkl entry, so not a torch.save file (it holds ${names || 'nothing'}${entries.length > 5 ? ', …' : ''}).`,
      entries.some(e => e.name.endsWith('.npy')) ? 'It looks like an .npz archive: rename it to .npz.' : 'Re-save it with torch.save.');
  }
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  const byName = new Map(entries.map(e => [e.name, e]));
  if (pkl.uncompressedSize > MAX_PICKLE_BYTES) {
    throw new EmbdiagError('too-large', `${source.name}: its data.pkl is ${pkl.uncompressedSize} bytes, larger than the ${MAX_PICKLE_BYTES} bytes a tensor file's object structure plausibly needs.`, REFUSAL_HINT);
  }
  const readEntry = async (entry: ZipEntry): Promise<Uint8Array> => {
    const s = await openZipEntry(source, entry);
    try { return (await s.read(0, s.size)).slice(); } finally { await s.close(); }
  };
  let littleEndian = true;
  const order = byName.get(prefix + 'byteorder');
  if (order && order.uncompressedSize < 16) {
    const text = new TextDecoder().decode(await readEntry(order)).trim();
    if (text === 'big') littleEndian = false;
    else if (text !== 'little') throw badFile(source.name, `has a byteorder record '${text}'`);
  }
  const label = `${source.name} (${pkl.name})`;
  const storages = new Map<string, StorageInfo>();
  const { value } = unpickle(await readEntry(pkl), 0, {
    label,
    globals: torchGlobals(label),
    persistentLoad: pid => storageFromPid(pid, label, storages),
    refusalHint: REFUSAL_HINT,
  });
  const locate = (s: StorageInfo): StorageLocation => {
    const entry = byName.get(`${prefix}data/${s.key}`);
    if (!entry) {
      throw new EmbdiagError('truncated', `${source.name}: the storage '${s.key}' that a tensor uses has no entry '${prefix}data/${s.key}' in the archive.`,
        'The archive is incomplete; re-save it with torch.save.');
    }
    // torch.save stores storages uncompressed; a compressed one is decoded whole, since views read it in any order.
    return {
      byteLength: entry.uncompressedSize,
      open: () => openZipEntryForRandomAccess(source, entry, MAX_IN_MEMORY_BYTES, () => new EmbdiagError('too-large',
        `${source.name}: the storage '${s.key}' is compressed in the archive (torch.save never does that) and its ${entry.uncompressedSize} bytes are more than the ${MAX_IN_MEMORY_BYTES} this tool decodes in memory.`,
        'Re-save it with torch.save.')),
    };
  };
  const version = byName.get(prefix + '.format_version') ?? byName.get(prefix + 'version');
  const versionText = version && version.uncompressedSize < 16 ? new TextDecoder().decode(await readEntry(version)).trim() : undefined;
  return makeDump(source, fileName, value, `PyTorch zip format (torch.save${versionText ? `, record version ${versionText}` : ''}).`, storages, locate, littleEndian);
}

async function openTorchLegacy(source: ByteSource, fileName: string): Promise<DumpFile> {
  // The pickles come first; read a growing prefix until they all parse.
  let length = Math.min(source.size, 1 << 20);
  for (;;) {
    const bytes = await source.read(0, length);
    try {
      return await parseLegacy(source, fileName, bytes);
    } catch (e) {
      const more = e instanceof EmbdiagError && e.code === 'truncated' && e.message.includes('before its STOP opcode') && length < source.size;
      if (!more) throw e;
      if (length >= MAX_PICKLE_BYTES) {
        throw new EmbdiagError('too-large', `${source.name}: the legacy torch.save pickles are larger than ${MAX_PICKLE_BYTES} bytes, implausible for a tensor file.`, REFUSAL_HINT);
      }
      length = Math.min(source.size, length * 4, MAX_PICKLE_BYTES);
    }
  }
}

async function parseLegacy(source: ByteSource, fileName: string, bytes: Uint8Array): Promise<DumpFile> {
  const label = source.name;
  const plain = { label, globals: new Map<string, AllowedGlobal>(), refusalHint: REFUSAL_HINT };
  const magic = unpickle(bytes, 0, plain);
  const protocol = unpickle(bytes, magic.end, plain);
  if (protocol.value !== LEGACY_PROTOCOL_VERSION) throw badFile(label, `has legacy torch.save protocol version ${describePyValue(protocol.value)} (only ${LEGACY_PROTOCOL_VERSION} exists)`);
  const sysInfo = unpickle(bytes, protocol.end, plain);
  let littleEndian = true;
  if (sysInfo.value instanceof PyDict) {
    const le = sysInfo.value.get('little_endian');
    if (le === false) littleEndian = false;
  }
  const storages = new Map<string, StorageInfo>();
  const object = unpickle(bytes, sysInfo.end, {
    label,
    globals: torchGlobals(label),
    persistentLoad: pid => storageFromPid(pid, label, storages),
    refusalHint: REFUSAL_HINT,
  });
  const keys = unpickle(bytes, object.end, plain);
  if (!Array.isArray(keys.value) || !keys.value.every(k => typeof k === 'string')) throw badFile(label, 'has a storage key list that is not a list of strings');

  // Storage records: int64 element count, then the bytes.
  const records = new Map<string, { start: number; byteLength: number }>();
  let at = keys.end;
  for (const key of keys.value as string[]) {
    const info = storages.get(key);
    if (!info) throw badFile(label, `lists storage '${key}', which no tensor refers to`);
    if (at + 8 > source.size) throw truncatedStorage(label, key, at + 8, source.size);
    const head = await source.read(at, 8);
    const hv = new DataView(head.buffer, head.byteOffset, 8);
    const count = littleEndian ? hv.getUint32(4, true) * 4294967296 + hv.getUint32(0, true) : hv.getUint32(0, false) * 4294967296 + hv.getUint32(4, false);
    const itemSize = info.dtype.ok ? info.dtype.dtype.itemSize : legacyItemSize(info.storageType);
    const byteLength = count * itemSize;
    if (!Number.isSafeInteger(byteLength)) throw badFile(label, `declares an impossible size for storage '${key}'`);
    const start = at + 8;
    if (start + byteLength > source.size) throw truncatedStorage(label, key, start + byteLength, source.size);
    records.set(key, { start, byteLength });
    at = start + byteLength;
  }
  const locate = (s: StorageInfo): StorageLocation => {
    const rootKey = s.view ? s.view[0] : s.key;
    const record = records.get(rootKey);
    if (!record) throw new EmbdiagError('truncated', `${label}: the storage '${rootKey}' that a tensor uses is not in the file.`, 'The file is incomplete; re-save it with torch.save.');
    const itemSize = s.dtype.ok ? s.dtype.dtype.itemSize : 1;
    const viewStart = s.view ? s.view[1] * itemSize : 0;
    const byteLength = Math.max(0, Math.min(record.byteLength - viewStart, s.view ? s.view[2] * itemSize : record.byteLength));
    return { byteLength, open: async () => new SliceByteSource(source, record.start + viewStart, byteLength) };
  };
  return makeDump(source, fileName, object.value, 'PyTorch legacy format (torch.save with _use_new_zipfile_serialization=False).', storages, locate, littleEndian);
}

function legacyItemSize(storageType: string): number {
  if (/^Complex(Double)/.test(storageType)) return 16;
  if (/^Complex(Float)/.test(storageType)) return 8;
  if (/^ComplexHalf|^QInt32/.test(storageType)) return 4;
  return 1;
}

function truncatedStorage(label: string, key: string, needed: number, size: number): EmbdiagError {
  return new EmbdiagError('truncated', `${label}: storage '${key}' needs the file to extend to byte ${needed}, but it has only ${size} bytes.`,
    'The file is probably truncated (an interrupted save or copy); re-save it with torch.save.');
}
