import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import { manifestCandidates, parseManifest } from '../information/manifest';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, OpenDumpOptions, RawShape } from './dumpFile';
import { type DType, type DTypeName, makeDType, parseRawDType, RAW_DTYPE_HELP } from './dtype';
import { DenseMatrix, fileStem, findArray } from './npy';

/**
 * Headerless binary arrays (numpy's `X.astype(np.float32).tofile("emb.f32")`): nothing in the
 * file says its dtype or dimension, so the user does (CLI --dtype/--dim, the sidecar manifest's
 * "dtype"/"dim", the editor's prompt); an extension like .f32 gives the dtype.
 */

/** Extensions that say the file is a raw array, with the dtype they imply (undefined: none). */
export const RAW_EXTENSIONS: Record<string, DTypeName | undefined> = {
  '.f32': 'float32', '.f16': 'float16', '.f64': 'float64', '.bf16': 'bfloat16', '.i8': 'int8', '.u8': 'uint8', '.raw': undefined,
};

/** How to give what is missing, for messages. */
function howToGive(stem: string, needDtype: boolean): string {
  const flags = needDtype ? '--dtype float32 --dim 768' : '--dim 768';
  const manifest = needDtype ? '{"dtype": "float32", "dim": 768}' : '{"dim": 768}';
  return `Give ${needDtype ? 'them' : 'it'}: on the command line ${flags}; in a sidecar manifest ${stem}.embeddings.json ${manifest}; in VS Code, answer the prompt when the file opens.${needDtype ? ` dtype: ${RAW_DTYPE_HELP}.` : ''}`;
}

function extensionOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** The dtype and dimension the sidecar manifest gives, if it gives either (read through openSibling). */
export async function rawShapeFromManifest(options: OpenDumpOptions): Promise<RawShape & { manifest: string } | undefined> {
  if (!options.openSibling) return undefined;
  const base = options.fileName.split(/[\\/]/).pop() ?? options.fileName;
  for (const name of manifestCandidates(base)) {
    const source = await options.openSibling(name);
    if (!source) continue;
    try {
      if (source.size > 1 << 20) return undefined; // a manifest is a few lines; this one is not
      const text = new TextDecoder().decode(await source.read(0, source.size));
      const raw = parseManifest(text).manifest.raw;
      return raw ? { ...raw, manifest: name } : undefined;
    } finally {
      await source.close();
    }
  }
  return undefined;
}

/** True when the name says headerless raw data (.f32, .f16, .raw, ...). */
export function isRawPath(fileName: string): boolean {
  return extensionOf(fileName) in RAW_EXTENSIONS;
}

/** Opens a headerless array; its shape comes from options.raw, else the manifest, the dtype also from the extension. */
export async function openRaw(source: ByteSource, options: OpenDumpOptions): Promise<DumpFile> {
  const fromManifest = await rawShapeFromManifest(options);
  const given = options.raw ?? {};
  const dtypeText = given.dtype ?? fromManifest?.dtype;
  const dim = given.dim ?? fromManifest?.dim;
  const byExtension = RAW_EXTENSIONS[extensionOf(options.fileName)];
  const originOf = (fromUser: unknown, fromFile: unknown) => (fromUser !== undefined ? 'as given' : fromFile !== undefined ? `from ${fromManifest!.manifest}` : 'from the extension');
  const dtypeOrigin = originOf(given.dtype, fromManifest?.dtype);
  const dimOrigin = originOf(given.dim, fromManifest?.dim);
  let dtype: DType | undefined;
  if (dtypeText !== undefined) {
    dtype = parseRawDType(dtypeText);
    if (!dtype) throw new EmbdiagError('bad-argument', `${source.name}: '${dtypeText}' is not a dtype of a raw array (expected ${RAW_DTYPE_HELP}).`);
  } else if (byExtension) {
    dtype = makeDType(byExtension);
  }
  if (!dtype || dim === undefined) {
    const missing = [dtype ? '' : 'dtype', dim === undefined ? 'dimension' : ''].filter(Boolean).join(' and ');
    throw new EmbdiagError('raw-needs-shape',
      `${source.name}: a headerless binary array (as numpy's tofile writes) says nothing about its layout: its ${missing} ${missing.includes(' and ') ? 'are' : 'is'} needed (${source.size} bytes).`,
      howToGive(fileStem(options.fileName), !dtype));
  }
  if (!Number.isSafeInteger(dim) || dim < 1) throw new EmbdiagError('bad-argument', `${source.name}: the dimension must be a whole number of at least 1 (got ${dim}).`);
  const rowBytes = dim * dtype.itemSize;
  if (source.size === 0 || source.size % rowBytes !== 0) {
    const values = source.size % dtype.itemSize === 0 ? ` = ${source.size / dtype.itemSize} ${dtype.name} values` : ` (not even a whole number of ${dtype.itemSize}-byte ${dtype.name} values)`;
    throw new EmbdiagError('raw-size-mismatch',
      `${source.name}: the file has ${source.size} bytes${values}, which is not a whole number of ${rowBytes}-byte rows (dimension ${dim} ${dimOrigin} × ${dtype.itemSize}-byte ${dtype.name} ${dtypeOrigin}).`,
      'Check the dtype and the dimension the array was written with (X.dtype, X.shape[1]), or whether the file was cut short.');
  }
  const rows = source.size / rowBytes;
  const name = fileStem(options.fileName);
  const info: ArrayInfo = { name, dtype: dtype.name, shape: [rows, dim], analysable: true };
  const order = dtype.itemSize > 1 ? (dtype.littleEndian ? ', little-endian' : ', big-endian') : '';
  const notes = [`Headerless ${dtype.name}${order} array read as ${rows.toLocaleString('en')} rows × ${dim} (dtype ${dtypeOrigin}, dimension ${dimOrigin}).`];
  if (dtypeText !== undefined && byExtension && byExtension !== dtype.name) notes.push(`The extension says ${byExtension}, but ${dtype.name} was given: read as ${dtype.name}.`);
  const chosen = dtype;
  return {
    format: 'raw',
    arrays: [info],
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      findArray(source.name, [info], requested);
      return new DenseMatrix(source, { name, dtype: chosen, shape: [rows, dim], dataOffset: 0, fortranOrder: false });
    },
  };
}
