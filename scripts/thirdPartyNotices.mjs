// The licence texts of the npm packages whose code ships inside our bundles (dist/), written to
// dist/THIRD_PARTY_NOTICES.txt by scripts/build.mjs: MIT, BSD and Apache licences ask that their
// notice travel with every copy of the code, and the .vsix carries the bundles, not node_modules.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The package (`name` or `@scope/name`) of a path inside node_modules, or undefined. */
export function packageOfPath(p) {
  const m = /(?:^|[\\/])node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(p);
  return m ? m[1].replace(/\\/g, '/') : undefined;
}

/** The packages whose files are inputs of the given esbuild metafiles, plus `extra` (copied assets). */
export function bundledPackages(metafiles, extra = []) {
  const names = new Set(extra);
  for (const meta of metafiles) for (const input of Object.keys(meta?.inputs ?? {})) {
    const name = packageOfPath(input);
    if (name) names.add(name);
  }
  return [...names].sort();
}

const NOTICE_FILE = /^(licen[cs]e|copying|notice)([-._].*)?(\.(txt|md))?$/i;

/** The notice of one package: name, version, declared licence and the text of its licence/notice files. */
export function packageNotice(name, root = process.cwd()) {
  const dir = path.join(root, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const files = readdirSync(dir).filter(f => NOTICE_FILE.test(f)).sort();
  if (!files.length) throw new Error(`${name}: no licence file in ${dir}; the notices cannot be written without it`);
  const license = typeof pkg.license === 'string' ? pkg.license : pkg.license?.type ?? 'unstated';
  const texts = files.map(f => `--- ${f} ---\n${readFileSync(path.join(dir, f), 'utf8').trim()}\n`);
  return `${'='.repeat(78)}\n${name}@${pkg.version} (${license})\n${'='.repeat(78)}\n${texts.join('\n')}`;
}

/** Writes the notices of the given packages to `file`. */
export function writeThirdPartyNotices(file, names, root = process.cwd()) {
  const header = 'Embedding Diagnostics bundles code from the following npm packages, each under its own licence, reproduced below.\n\n';
  writeFileSync(file, header + names.map(n => packageNotice(n, root)).join('\n'));
  return names;
}
