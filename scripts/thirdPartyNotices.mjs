// The licence texts of the npm packages whose code ships inside our bundles (dist/), written to
// dist/THIRD_PARTY_NOTICES.txt by scripts/build.mjs: MIT, BSD and Apache licences ask that their
// notice travel with every copy of the code, and the .vsix carries the bundles, not node_modules.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder of the package a bundled file belongs to (up to its innermost `node_modules/name` or
 * `node_modules/@scope/name`: a package nested in another's node_modules is a package of its own,
 * often of another version), or undefined outside node_modules.
 */
export function packageDirOfPath(p) {
  const m = /^(.*node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)/.exec(p);
  return m ? m[1].replace(/\\/g, '/') : undefined;
}

/** The package folders whose files are inputs of the given esbuild metafiles, plus `extra` (copied assets). */
export function bundledPackages(metafiles, extra = []) {
  const dirs = new Set(extra);
  for (const meta of metafiles) for (const input of Object.keys(meta?.inputs ?? {})) {
    const dir = packageDirOfPath(input);
    if (dir) dirs.add(dir);
  }
  return [...dirs].sort();
}

const NOTICE_FILE = /^(licen[cs]e|copying|notice)([-._].*)?(\.(txt|md))?$/i;

/** The notice of one package folder: name, version, declared licence and the text of its licence/notice files. */
export function packageNotice(packageDir, root = process.cwd()) {
  const dir = path.resolve(root, packageDir);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const name = pkg.name;
  const files = readdirSync(dir).filter(f => NOTICE_FILE.test(f)).sort();
  if (!files.length) throw new Error(`${name}: no licence file in ${dir}; the notices cannot be written without it`);
  const license = typeof pkg.license === 'string' ? pkg.license : pkg.license?.type ?? 'unstated';
  const texts = files.map(f => `--- ${f} ---\n${readFileSync(path.join(dir, f), 'utf8').trim()}\n`);
  return `${'='.repeat(78)}\n${name}@${pkg.version} (${license})\n${'='.repeat(78)}\n${texts.join('\n')}`;
}

/** Writes the notices of the given packages to `file`. */
export function writeThirdPartyNotices(file, packageDirs, root = process.cwd()) {
  const header = 'Embedding Diagnostics bundles code from the following npm packages, each under its own licence, reproduced below.\n\n';
  const notices = [...new Set(packageDirs.map(d => packageNotice(d, root)))]; // the same name@version in two places once
  writeFileSync(file, header + notices.join('\n'));
  return packageDirs;
}
