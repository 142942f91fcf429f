import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { EmbdiagError } from '../errors';
import type { ReaderFinding } from '../formats/dumpFile';
import { isDumpPathByName } from '../formats/openDump';

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

/** The shard files of the given paths, each path's files in natural order; duplicates removed. */
export async function expandDatasetPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (isGlob(p)) {
      // the folder part before the first wildcard is walked; the rest is matched
      const parts = p.split(/[\\/]/);
      const first = parts.findIndex(isGlob);
      const root = parts.slice(0, first).join('/') || '.';
      const pattern = globToRegExp(parts.slice(first).join('/'));
      let files: string[] = [];
      try {
        files = (await walk(root, parts.slice(first).includes('**') || parts.length - first > 1))
          .filter(f => pattern.test(path.relative(root, f).split(path.sep).join('/')));
      } catch { /* a missing folder matches nothing */ }
      if (files.length === 0) throw new EmbdiagError('file-missing', `No file matches ${p}.`);
      out.push(...files.sort(naturalCompare));
      continue;
    }
    let stat;
    try { stat = await fs.stat(p); } catch { throw new EmbdiagError('file-missing', `${p}: no such file or folder.`); }
    if (stat.isDirectory()) {
      const files = (await walk(p, false)).filter(isDumpPathByName).sort(naturalCompare);
      if (files.length === 0) throw new EmbdiagError('file-missing', `${p}: the folder holds no embedding dump (.npy, .parquet, …).`);
      out.push(...files);
    } else out.push(p);
  }
  return [...new Set(out)];
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
