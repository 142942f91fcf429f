#!/usr/bin/env node
// `npm start`: open VS Code on the bundled example workspace with this extension loaded.
//   - desktop VS Code (`code` on PATH): as an extension under development, in a new window;
//   - otherwise code-server on 127.0.0.1 (installed into .vscode-test/ on first use) with the
//     extension installed into a private extensions folder; the URL is printed. Ctrl+C stops it.
// env: EMBDIAG_NO_DESKTOP=1 forces code-server; EMBDIAG_PORT picks the port.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, EXTENSION_ID, isCodeServerInstalled, startCodeServer } from './e2e/codeServer.mjs';

const workspace = path.join(REPO, 'examples', 'workspace');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

function hasDesktopCode() {
  if (process.env.EMBDIAG_NO_DESKTOP) return false;
  const r = spawnSync('code', ['--version'], { encoding: 'utf8' });
  return r.status === 0 && !/code-server/.test(r.stdout);
}

if (hasDesktopCode()) {
  console.log(`Opening VS Code on ${workspace} with the extension under development…`);
  spawn('code', ['--new-window', `--extensionDevelopmentPath=${REPO}`, workspace], { stdio: 'inherit', detached: true }).unref();
} else {
  if (!isCodeServerInstalled()) {
    console.log('No desktop VS Code found; installing code-server (one time, ~2 minutes)…');
    const r = spawnSync('bash', [path.join(REPO, 'scripts', 'e2e', 'install-code-server.sh')], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  const root = path.join(REPO, '.vscode-test', 'start');
  const extensionsDir = path.join(root, 'extensions');
  // a plain copy of the built extension: code-server finds folders named <id>-<version>
  const target = path.join(extensionsDir, `${EXTENSION_ID}-${pkg.version}`);
  fs.rmSync(extensionsDir, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  for (const item of ['package.json', 'package.nls.json', 'README.md', 'LICENSE', 'dist', 'media']) {
    const from = path.join(REPO, item);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(target, item), { recursive: true });
  }
  const server = await startCodeServer({
    userDataDir: path.join(root, 'user-data'), extensionsDir, folder: workspace, name: 'start',
    port: process.env.EMBDIAG_PORT ? Number(process.env.EMBDIAG_PORT) : undefined,
  });
  console.log(`\nEmbedding Diagnostics is running in VS Code (code-server):\n\n  ${server.url}?folder=${encodeURIComponent(workspace)}\n\nOpen it in a browser on this machine. Ctrl+C stops it.`);
  const stop = async () => { await server.stop(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.child.on('exit', (code) => { console.log(`code-server exited (${code}).`); process.exit(code ?? 0); });
}
