#!/usr/bin/env node
// Checks that the README and docs/ stay true to the code:
//   - every relative link and image in README.md, docs/*.md and examples/workspace/README.md
//     resolves to a file, and every #anchor to a heading of its target (GitHub's slug rules);
//   - every setting of package.json contributes.configuration appears in a README table row
//     together with its default;
//   - every command title (package.nls.json) and every CLI option (src/cli/cliArguments.ts)
//     is named in the README;
//   - the README's `npm start` and `npm test` exist as package.json scripts.
// Prints each problem and exits 1 when there is one.
//   node scripts/check-readme.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (rel) => fs.readFileSync(path.join(REPO, rel), 'utf8');
const problems = [];

const docs = ['README.md', 'examples/workspace/README.md',
  ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown) {
  const seen = new Map();
  const anchors = new Set();
  const text = markdown.replace(/```[\s\S]*?```/g, '');
  for (const [, title] of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const plain = title.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const slug = plain.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n ? `${slug}-${n}` : slug);
  }
  return anchors;
}

for (const doc of docs) {
  const text = read(doc).replace(/```[\s\S]*?```/g, '');
  for (const [, target] of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto: not checked here
    const [file, anchor] = target.split('#');
    const resolved = file ? path.resolve(path.dirname(path.join(REPO, doc)), decodeURIComponent(file)) : path.join(REPO, doc);
    if (!fs.existsSync(resolved)) { problems.push(`${doc}: link to ${target}: no such file`); continue; }
    if (anchor && resolved.endsWith('.md') && !anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
      problems.push(`${doc}: link to ${target}: no heading with that anchor in ${path.relative(REPO, resolved)}`);
    }
  }
}

const readme = read('README.md');
const pkg = JSON.parse(read('package.json'));
const nls = JSON.parse(read('package.nls.json'));
const rows = readme.split('\n').filter((l) => l.startsWith('|'));
for (const [key, spec] of Object.entries(pkg.contributes.configuration.properties)) {
  const row = rows.find((r) => r.startsWith(`| \`${key}\` |`));
  if (!row) { problems.push(`README: setting ${key} is not in a table row`); continue; }
  const cells = row.split('|').map((c) => c.trim().replace(/^`|`$/g, ''));
  const shown = JSON.stringify(spec.default);
  if (!cells.includes(shown) && !cells.includes(String(spec.default))) {
    problems.push(`README: the row of ${key} does not show its default ${shown}: ${row.slice(0, 160)}`);
  }
}
for (const command of pkg.contributes.commands) {
  const title = command.title.replace(/^%(.+)%$/, (_, k) => nls[k]);
  if (!readme.includes(`**${title}**`)) problems.push(`README: command "${title}" (${command.command}) is not named in bold`);
}
const cliSource = read('src/cli/cliArguments.ts');
const optionsBlock = /options:\s*\{([\s\S]*?)\n\s*\},\n/.exec(cliSource)?.[1] ?? '';
const options = [...optionsBlock.matchAll(/(?:'([a-z-]+)'|\b([a-z]+)):\s*\{\s*type:/g)].map((m) => m[1] ?? m[2]);
if (options.length < 10) problems.push(`could not read the CLI options from src/cli/cliArguments.ts (found ${options.length})`);
for (const option of options) {
  if (!new RegExp(`--${option}(?![a-z-])`).test(readme)) problems.push(`README: CLI option --${option} is not mentioned`);
}
for (const script of ['start', 'test']) {
  if (!pkg.scripts[script]) problems.push(`package.json has no "${script}" script`);
  if (!readme.includes(`npm ${script}`)) problems.push(`README: "npm ${script}" is not mentioned`);
}

for (const p of problems) console.log(`- ${p}`);
console.log(problems.length ? `check-readme: ${problems.length} problem(s)` : `check-readme: ok (${docs.length} documents, ${options.length} CLI options, ${pkg.contributes.commands.length} commands, ${Object.keys(pkg.contributes.configuration.properties).length} settings)`);
process.exit(problems.length ? 1 : 0);
