// Bundles the extension host, the analysis worker, the CLI and the webview with esbuild.
// Usage: node scripts/build.mjs [--watch] [--production] [--outdir DIR]
//   --outdir  write the bundles somewhere other than dist/ (the bench times a production build this way)
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, chmodSync } from 'node:fs';
import { bundledPackages, writeThirdPartyNotices } from './thirdPartyNotices.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const outdirAt = process.argv.indexOf('--outdir');
const out = outdirAt >= 0 && process.argv[outdirAt + 1] ? process.argv[outdirAt + 1] : 'dist';

const common = { bundle: true, metafile: true, sourcemap: !production, minify: production, logLevel: 'info', target: 'es2022' };

// The libraries of the HDF5, Parquet and Arrow readers stay out of the worker and CLI bundles:
// the core imports them lazily, only when such a file is opened, from bundles of their own beside
// them (built below): dist/h5wasm.mjs (the HDF5 C library as WebAssembly, ~4.7 MB),
// dist/parquet.mjs (hyparquet + hyparquet-compressors), dist/arrow.mjs (apache-arrow).
const LAZY_LIBRARIES = {
  'h5wasm': './h5wasm.mjs', 'h5wasm/node': './h5wasm.mjs',
  'hyparquet': './parquet.mjs', 'hyparquet-compressors': './parquet.mjs',
  'apache-arrow': './arrow.mjs',
};
const lazyLibraries = {
  name: 'lazy-format-libraries',
  setup(build) {
    build.onResolve({ filter: /^(h5wasm(\/node)?|hyparquet(-compressors)?|apache-arrow)$/ }, args => ({ path: LAZY_LIBRARIES[args.path], external: true }));
  },
};
const core = { plugins: [lazyLibraries], define: { 'process.env.EMBDIAG_BUNDLE': '"dist"' } };
// The extension host's code needed on first use only (src/extension/onDemand.ts: format readers,
// manifest check) stays out of dist/extension.js, so that activation parses only what it needs:
// `import('./onDemand')` is left to load dist/onDemand.js, built below, at run time.
const onDemand = {
  name: 'on-demand-bundle',
  setup(build) {
    build.onResolve({ filter: /^\.\/onDemand$/ }, args => ({ path: './onDemand.js', external: true }));
  },
};
const library = { ...common, sourcemap: false, platform: 'node', format: 'esm', charset: 'utf8' };

const builds = [
  // Extension host: `vscode` is provided by VS Code at run time.
  // (import() becomes require(), which the extension host's module loader serves like the bundle itself)
  { ...common, ...core, plugins: [...core.plugins, onDemand], supported: { 'dynamic-import': false }, entryPoints: ['src/extension/extension.ts'], outfile: `${out}/extension.js`, platform: 'node', format: 'cjs', external: ['vscode'] },
  { ...common, ...core, entryPoints: ['src/extension/onDemand.ts'], outfile: `${out}/onDemand.js`, platform: 'node', format: 'cjs' },
  // The analysis worker runs the pure core off the extension host thread.
  { ...common, ...core, entryPoints: ['src/extension/analysisWorker.ts'], outfile: `${out}/analysisWorker.js`, platform: 'node', format: 'cjs' },
  // The CLI on the same core.
  { ...common, ...core, entryPoints: ['src/cli/embdiag.ts'], outfile: `${out}/cli.js`, platform: 'node', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
  // The format libraries as ES modules, loaded by the worker and the CLI on demand (see LAZY_LIBRARIES).
  { ...library, minify: false, entryPoints: ['node_modules/h5wasm/dist/node/hdf5_hl.js'], outfile: `${out}/h5wasm.mjs` },
  { ...library, stdin: { contents: "export * from 'hyparquet';\nexport * from 'hyparquet-compressors';\n", resolveDir: '.', sourcefile: 'parquet-libraries.js' }, outfile: `${out}/parquet.mjs` },
  { ...library, stdin: { contents: "export * from 'apache-arrow';\n", resolveDir: '.', sourcefile: 'arrow-library.js' }, outfile: `${out}/arrow.mjs` },
  // The report panel's page: its own bundle, no Node APIs.
  { ...common, entryPoints: ['webview/main.ts'], outfile: `${out}/webview.js`, platform: 'browser', format: 'iife' },
];

function copyAssets() {
  mkdirSync(out, { recursive: true });
  cpSync('webview/styles.css', `${out}/webview.css`);
  // codicons font for @vscode-elements icons, served from the extension (no remote content)
  cpSync('node_modules/@vscode/codicons/dist/codicon.css', `${out}/codicon.css`);
  cpSync('node_modules/@vscode/codicons/dist/codicon.ttf', `${out}/codicon.ttf`);
}

copyAssets();
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  const results = await Promise.all(builds.map(b => esbuild.build(b)));
  chmodSync(`${out}/cli.js`, 0o755);
  // the licences of the packages inside the bundles travel with them (copyAssets ships the codicons)
  writeThirdPartyNotices(`${out}/THIRD_PARTY_NOTICES.txt`, bundledPackages(results.map(r => r.metafile), ['node_modules/@vscode/codicons']));
}
