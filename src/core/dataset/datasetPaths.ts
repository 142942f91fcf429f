import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { EmbdiagError } from '../errors';
import type { ReaderFinding } from '../formats/dumpFile';
import { isDumpPathByName } from '../formats/openDump';
import { isZarrDirectory } from '../formats/zarrStore';
import { ARRAY_ROLES, manifestCandidates, parseManifest } from '../information/manifest';

/**
 * What a dataset is on disk: files, folders (their dump files, not recursing) and globs (`*`,
 * `?` within a path segment, `**` for any folders), in natural order (part-2 before part-10).
 */

/** Natural order: runs of digits compare as numbers, the rest as text. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const x = a.match(re) ?? [], y = b.match(re) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i], q = y[i];
    const pn = /^\d/.test(p), qn = /^\d/.test(q);
    if (pn && qn) {
      const d = Number(p) - Number(q);
      if (d !== 0) return d;
      if (p.length !== q.length) return p.length - q.length;
    } else if (p !== q) return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

const isGlob = (p: string) => /[*?[]/.test(p);

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') { re += '.*'; i++; if (glob[i + 1] === '/') i++; }
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, recurse: boolean): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && recurse) out.push(...await walk(p, true));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** A file of a folder or glob set aside: a sidecar manifest names it as a companion of a shard. */
export interface SetAsideFile {
  file: string;
  /** The shard whose manifest names it, and the role it is named for (perturbed, targets, ..., metadata). */
  shard: string;
  role: string;
}

/** The shard files of the given paths, each path's files in natural order; duplicates removed. */
export async function expandDatasetPaths(paths: readonly string[]): Promise<string[]> {
  return (await expandDataset(paths)).files;
}

/**
 * The shard files of the given paths (as expandDatasetPaths), and the files of its folders and
 * globs left out because a shard's sidecar manifest names them as its companion arrays or row
 * metadata (emb_rank0.perturbed.npy beside emb_rank0.npy and emb_rank0.embeddings.json): they
 * hold other rows' companions, not rows of the dataset. A file given by its own path stays a shard.
 */
export async function expandDataset(paths: readonly string[]): Promise<{ files: string[]; setAside: SetAsideFile[] }> {
  const out: string[] = [];
  const setAside: SetAsideFile[] = [];
  /** A folder's or glob's dump files, without those its shards' manifests name as companions. */
  const shardsOf = async (dumps: string[], listed: readonly string[]): Promise<string[]> => {
    const listedDumps = new Set(dumps);
    const aside = (await companionFilesNamed(dumps, new Set(listed))).filter(a => listedDumps.has(a.file));
    setAside.push(...aside);
    const names = new Set(aside.map(a => a.file));
    return dumps.filter(f => !names.has(f));
  };
  for (const p of paths) {
    if (isGlob(p)) {
      // the folder part before the first wildcard is walked; the rest is matched
      const parts = p.split(/[\\/]/);
      const first = parts.findIndex(isGlob);
      const root = parts.slice(0, first).join('/') || '.';
      const pattern = globToRegExp(parts.slice(first).join('/'));
      let walked: string[] = [];
      try { walked = await walk(root, parts.slice(first).includes('**') || parts.length - first > 1); } catch { /* a missing folder matches nothing */ }
      const files = walked.filter(f => pattern.test(path.relative(root, f).split(path.sep).join('/')));
      if (files.length === 0) throw new EmbdiagError('file-missing', `No file matches ${p}.`);
      out.push(...await shardsOf(files.sort(naturalCompare), walked));
      continue;
    }
    let stat;
    try { stat = await fs.stat(p); } catch { throw new EmbdiagError('file-missing', `${p}: no such file or folder.`); }
    if (stat.isDirectory()) {
      // a Zarr store is one dump; a Hugging Face dataset folder lists its shards in state.json
      if (await isZarrDirectory(p)) { out.push(p); continue; }
      const saved = await savedDatasetShards(p);
      if (saved) { out.push(...saved); continue; }
      const walked = await walk(p, false);
      const files = walked.filter(isDumpPathByName).sort(naturalCompare);
      if (files.length === 0) throw new EmbdiagError('file-missing', `${p}: the folder holds no embedding dump (.npy, .parquet, …).`);
      out.push(...await shardsOf(files, walked));
    } else out.push(p);
  }
  const files = [...new Set(out)];
  // a file given by its own path (or kept by another folder or glob) is a shard
  const kept = new Set(files);
  const aside = new Map(setAside.filter(a => !kept.has(a.file)).map(a => [a.file, a]));
  return { files, setAside: [...aside.values()] };
}

/** Manifests larger than this are not read for the companions they name (a manifest is a few lines). */
const MAX_MANIFEST_BYTES = 1 << 20;

/**
 * The files named as companion arrays or row metadata by the sidecar manifests of `dumps` (the
 * manifest each dump's information inputs use: its first candidate among the `existing` files,
 * see manifestCandidates), other than the dump itself. A manifest that cannot be read or parsed
 * names nothing here (the shard's own read reports it).
 */
async function companionFilesNamed(dumps: readonly string[], existing: ReadonlySet<string>): Promise<SetAsideFile[]> {
  const out: SetAsideFile[] = [];
  for (const dump of dumps) {
    const manifestPath = manifestCandidates(dump).find(c => existing.has(c));
    if (!manifestPath) continue;
    let text: string;
    try {
      const st = await fs.stat(manifestPath);
      if (st.size > MAX_MANIFEST_BYTES) continue;
      text = await fs.readFile(manifestPath, 'utf8');
    } catch { continue; }
    const { manifest } = parseManifest(text);
    const refs: [string, string | undefined][] = [
      ...ARRAY_ROLES.filter(r => r !== 'embeddings').map(r => [r, manifest.arrays[r]?.file] as [string, string | undefined]),
      ['metadata', manifest.metadata?.file],
    ];
    for (const [role, file] of refs) {
      if (!file) continue;
      const named = path.join(path.dirname(manifestPath), file);
      if (path.resolve(named) !== path.resolve(dump)) out.push({ file: named, shard: dump, role });
    }
  }
  return out;
}

/** The note of a dataset report on the files set aside: "3 files named as companions by manifests are not shards: …". */
export function setAsideNote(setAside: readonly SetAsideFile[]): string | null {
  if (setAside.length === 0) return null;
  const shown = setAside.slice(0, 5).map(a => `${a.file} (${a.role} of ${path.basename(a.shard)})`).join(', ');
  return `${setAside.length} file${setAside.length === 1 ? '' : 's'} named as compan${setAside.length === 1 ? 'ion' : 'ions'} by manifests ${setAside.length === 1 ? 'is not a shard' : 'are not shards'}: ${shown}${setAside.length > 5 ? ', …' : ''}.`;
}

/** state.json of a folder written by Hugging Face datasets' save_to_disk: more than this is not one. */
const MAX_STATE_BYTES = 16 << 20;

/**
 * The shards of a folder written by Hugging Face `Dataset.save_to_disk` (data-00000-of-000NN.arrow,
 * Arrow IPC streams, beside dataset_info.json and state.json), in the order of state.json's
 * `_data_files` (the rows' order), or undefined when the folder is not one. A listed file that is
 * missing, or a name that leaves the folder, is refused.
 */
export async function savedDatasetShards(dir: string): Promise<string[] | undefined> {
  const statePath = path.join(dir, 'state.json');
  let text: string;
  try {
    const st = await fs.stat(statePath);
    if (!st.isFile() || st.size > MAX_STATE_BYTES) return undefined;
    text = await fs.readFile(statePath, 'utf8');
  } catch { return undefined; }
  let state: unknown;
  try { state = JSON.parse(text); } catch { return undefined; }
  const files = (state as { _data_files?: unknown } | null)?._data_files;
  if (!Array.isArray(files) || files.length === 0) return undefined;
  const out: string[] = [];
  for (const f of files) {
    const name = (f as { filename?: unknown } | null)?.filename;
    if (typeof name !== 'string' || !name || name !== path.basename(name) || name === '..' || name === '.') {
      throw new EmbdiagError('bad-header', `${statePath}: _data_files lists ${JSON.stringify(name ?? f).slice(0, 80)}, not the name of a file in the folder.`,
        'The dataset folder is damaged; save it again with Dataset.save_to_disk.');
    }
    const file = path.join(dir, name);
    try { await fs.access(file); } catch {
      throw new EmbdiagError('file-missing', `${dir}: state.json lists the shard ${name}, which is not in the folder.`, 'The dataset was copied in part; copy the whole folder.');
    }
    out.push(file);
  }
  return out;
}

/**
 * Shards named like `train-00003-of-00042.parquet`: a `shard-missing` finding for each numbering
 * (stem and total) whose numbers 0 … total − 1 are not all there, or that holds numbers past it.
 */
export function shardNumberingFindings(files: readonly string[]): ReaderFinding[] {
  const groups = new Map<string, { total: number; seen: Set<number> }>();
  for (const f of files) {
    const m = /^(.*)-(\d+)-of-(\d+)(\..*)?$/.exec(path.basename(f));
    if (!m) continue;
    const key = `${path.join(path.dirname(f), m[1])}-*-of-${m[3]}${m[4] ?? ''}`;
    const g = groups.get(key) ?? { total: Number(m[3]), seen: new Set<number>() };
    g.seen.add(Number(m[2]));
    groups.set(key, g);
  }
  const findings: ReaderFinding[] = [];
  for (const [key, g] of groups) {
    const missing: number[] = [];
    for (let i = 0; i < g.total && missing.length < 20; i++) if (!g.seen.has(i)) missing.push(i);
    const extra = [...g.seen].filter(i => i >= g.total).sort((a, b) => a - b);
    if (missing.length === 0 && extra.length === 0) continue;
    findings.push({ code: 'shard-missing', severity: 'warning', message:
      `${key}: ${g.seen.size} of ${g.total} numbered shards are here; ` +
      `${missing.length ? `missing number${missing.length === 1 ? '' : 's'} ${missing.join(', ')}${missing.length >= 20 ? ', …' : ''}` : ''}` +
      `${missing.length && extra.length ? '; ' : ''}${extra.length ? `numbers past the total: ${extra.join(', ')}` : ''}. The dataset is not complete as its names say.` });
  }
  return findings;
}
