import { EmbdiagError } from '../errors';
import type { ArrayInfo } from './dumpFile';
import { type DType, refusedDTypeError } from './dtype';
import { matrixGeometry } from './npy';
import { type H5File, type H5Group, type H5Metadata, type H5Module, MAX_READ_BYTES, OtherFileRefused, h5call } from './hdf5Library';
import { hdf5ElementType } from './hdf5Types';

/**
 * The listing of an HDF5 file: every dataset anywhere in the group tree, by path ('model/layer_last'),
 * and every link that leads out of the file or to nothing. Links to other files are never followed.
 */

/** How a readable dataset is laid out. */
export interface Hdf5Layout {
  /** The values' dtype (the array datatype's element type for an HDF5 array datatype). */
  dtype: DType;
  /** The dataset's own dimensions (its dataspace). */
  dataspace: number[];
  /** The dimensions an HDF5 array datatype adds to each element ([] for plain types). */
  arrayShape: number[];
  chunks?: number[];
  bigEndian: boolean;
  filters: string[];
  notes: string[];
}

export interface Hdf5Entry {
  info: ArrayInfo;
  /** The HDF5 path it was found at ('/model/layer_last'). */
  path: string;
  /** Set for a dataset that can be read. */
  layout?: Hdf5Layout;
  /** For one that cannot: the error open() gives. */
  refusal?: () => EmbdiagError;
}

/** Listing stops here: a file with more datasets is not an embedding dump. */
const MAX_DATASETS = 10_000;
const MAX_GROUP_DEPTH = 64;
/** Links followed while listing, at most (a backstop when groups cannot be identified). */
const MAX_LINKS = 100_000;

/** Filters compiled into h5wasm (plugins are disabled): deflate, shuffle, fletcher32, szip, nbit, scaleoffset. */
const BUILT_IN_FILTERS = new Set([1, 2, 3, 4, 5, 6]);

const ONLY_THIS_FILE = 'only the file being analysed is read';

/** A link listed as not analysable (shape [], dtype 'link'). */
function linkEntry(label: string, name: string, reason: string, hint: string): Hdf5Entry {
  return {
    info: { name, dtype: 'link', shape: [], analysable: false, reason },
    path: `/${name}`,
    refusal: () => new EmbdiagError('unreadable', `${label}: '/${name}' is not a dataset of this file: it is ${reason}.`, hint),
  };
}

function externalLinkEntry(label: string, name: string, file: string, objectPath: string | undefined): Hdf5Entry {
  return linkEntry(label, name, `an external link to ${file}:${objectPath ?? '/'} (${ONLY_THIS_FILE})`,
    `Analyse ${file} itself, or copy the data into this file (h5py: f[name] = other_file[path][...]).`);
}

function describeDataset(label: string, name: string, m: H5Metadata, filterList: { id: number; name: string }[]): Hdf5Entry {
  const dsPath = `/${name}`;
  const element = hdf5ElementType(m);
  const dataspace = m.shape ?? [];
  const shape = element.ok ? [...dataspace, ...element.arrayShape] : dataspace;
  const dtypeName = element.ok ? element.dtype.name : element.refused.name;
  const notReadable = (reason: string, refusal: () => EmbdiagError): Hdf5Entry =>
    ({ info: { name, dtype: dtypeName, shape, analysable: false, reason }, path: dsPath, refusal });
  const cannot = (code: 'bad-shape' | 'unreadable' | 'unsupported-compression', reason: string, hint: string) =>
    notReadable(reason, () => new EmbdiagError(code, `${label}: dataset '${dsPath}' cannot be ${code === 'bad-shape' ? 'analysed' : 'read'}: ${reason}.`, hint));
  if (!m.shape) return cannot('bad-shape', 'it has a null (empty) dataspace', 'Pick another dataset.');
  if (!element.ok) return notReadable(element.refused.reason, () => refusedDTypeError(label, `dataset '${dsPath}'`, element.refused));
  if (m.virtual_sources?.length) {
    const files = [...new Set(m.virtual_sources.map(v => v.file_name))].slice(0, 3).join(', ');
    return cannot('unreadable', `it is a virtual dataset whose data lives in other files (${files}); ${ONLY_THIS_FILE}`,
      'Copy the data into a real dataset of this file (h5py: f.create_dataset(name, data=f[virtual][...])).');
  }
  const missing = filterList.find(x => !BUILT_IN_FILTERS.has(x.id));
  if (missing) {
    return cannot('unsupported-compression',
      `it is compressed with the HDF5 filter '${missing.name || 'unnamed'}' (id ${missing.id}), which this reader does not include (only deflate/gzip, shuffle, fletcher32, szip, nbit and scaleoffset)`,
      "Re-save the dataset uncompressed or with gzip (h5py: compression='gzip').");
  }
  let elements = 1;
  for (const d of shape) elements *= d;
  if (!shape.every(d => Number.isSafeInteger(d) && d >= 0) || !Number.isSafeInteger(elements)) {
    return cannot('bad-shape', `its shape (${shape.join(', ')}) is impossibly large`, 'Pick another dataset.');
  }
  const elementValues = element.arrayShape.reduce((n, d) => n * d, 1);
  if (elementValues * element.dtype.itemSize > MAX_READ_BYTES) {
    return cannot('bad-shape', `its elements are arrays of ${elementValues} values each, too large to read`, 'Store the embeddings as a plain 2-D numeric dataset.');
  }
  // A dataset with no values (PyTables index files hold several) has nothing to analyse, and must not be the default.
  if (elements === 0 && shape.length > 0) return cannot('bad-shape', 'it is empty (it holds no values)', 'Pick another dataset.');
  const geometry = matrixGeometry(shape);
  if (geometry.reason) return cannot('bad-shape', geometry.reason, 'Pick another dataset.');
  return {
    info: { name, dtype: dtypeName, shape, analysable: true },
    path: dsPath,
    layout: {
      dtype: element.dtype, dataspace, arrayShape: element.arrayShape, chunks: m.chunks ?? undefined, bigEndian: !m.littleEndian,
      filters: filterList.map(x => x.name), notes: element.notes,
    },
  };
}

/** Every dataset and outward link under the root, depth-first in the file's link order, and what was not listed. */
export function listHdf5(h5: H5Module, f: H5File, label: string): { entries: Hdf5Entry[]; skipped: string[] } {
  const entries: Hdf5Entry[] = [];
  const skipped: string[] = [];
  // Hard links can make a group its own descendant (g/a -> g, g/b -> g): walking paths would never end
  // (2^depth paths). Each group is listed once, recognised by its object address (an HDF5 object reference).
  const listed = new Set<string>();
  const address = (group: H5Group): string | undefined => {
    try {
      const ref = Array.from((group.create_reference() as unknown as { ref_data: ArrayLike<number> }).ref_data);
      return ref.some(b => b !== 0) ? ref.join(',') : undefined;
    } catch {
      return undefined;
    }
  };
  let links = 0;
  const walk = (group: H5Group, prefix: string, depth: number): void => {
    if (depth > MAX_GROUP_DEPTH) { skipped.push(`${prefix || '/'} (groups nested deeper than ${MAX_GROUP_DEPTH})`); return; }
    const id = h5call(label, `identify the group '/${prefix}'`, () => address(group));
    if (id !== undefined) {
      if (listed.has(id)) { skipped.push(`${prefix} (another link to a group already listed)`); return; }
      listed.add(id);
    }
    for (const key of h5call(label, `list the group '/${prefix}'`, () => group.keys())) {
      const name = prefix ? `${prefix}/${key}` : key;
      if (entries.length >= MAX_DATASETS || ++links > MAX_LINKS) {
        throw new EmbdiagError('too-large', `${label}: holds more than ${entries.length >= MAX_DATASETS ? `${MAX_DATASETS} datasets` : `${MAX_LINKS} links`}, too many for an embedding dump.`, 'Store the embeddings in a smaller file.');
      }
      // An external link is recognised from the link itself: resolving it would make HDF5 open the other file.
      const external = h5call(label, `read the link '/${name}'`, () => group.get_external_link(`/${name}`) as { filename?: string; obj_path?: string });
      if (typeof external?.filename === 'string') {
        entries.push(externalLinkEntry(label, name, external.filename, external.obj_path));
        continue;
      }
      let entity: ReturnType<H5Group['get']>;
      try {
        entity = h5call(label, `open '/${name}'`, () => group.get(key));
      } catch (e) {
        // A soft link whose path runs through an external link.
        if (!(e instanceof OtherFileRefused)) throw e;
        const target = h5call(label, `read the link '/${name}'`, () => group.get_link(`/${name}`));
        entries.push(linkEntry(label, name, `${target ? `a soft link to '${target}', which leads` : 'a link that leads'} to another file (${e.file}) (${ONLY_THIS_FILE})`,
          'Copy the data into this file, or analyse the other file itself.'));
        continue;
      }
      if (entity instanceof h5.Group) walk(entity, name, depth + 1);
      else if (entity instanceof h5.Dataset) {
        const metadata = h5call(label, `read the metadata of '/${name}'`, () => entity.metadata);
        const filters = h5call(label, `read the filters of '/${name}'`, () => entity.filters);
        entries.push(describeDataset(label, name, metadata, filters));
      } else if (entity instanceof h5.ExternalLink) {
        entries.push(externalLinkEntry(label, name, entity.filename, entity.obj_path));
      } else if (entity instanceof h5.BrokenSoftLink) {
        entries.push(linkEntry(label, name, `a soft link to '${entity.target}', which points to nothing in this file`, 'Pick another dataset.'));
      }
    }
  };
  walk(f, '', 0);
  return { entries, skipped };
}
