#!/usr/bin/env node
// Part of `npm run bench`: loads dist/extension.js in plain Node with a stub of the `vscode` module
// (a Module._load hook) that records what the extension registers, and times
//
//   node scripts/bench_vscode_stub.cjs activate
//       require('dist/extension.js') + activate(context), from the start of require() until activate()
//       has returned (or its promise resolved); one JSON line.
//   node scripts/bench_vscode_stub.cjs hover WORKSPACE DOC_RELPATH LINE CHARACTER CALLS
//       activates, then asks the registered hover provider for a hover at (LINE, CHARACTER) of the
//       document once to fill the cache (the real analysis worker, dist/analysisWorker.js, runs it),
//       then CALLS more times from the warm cache, timing each provideHover call; one JSON line.
//
// EMBDIAG_STUB_PRELOAD_BUILTINS=1 loads the Node built-in modules the bundle requires before timing.
// EMBDIAG_EXTENSION_ROOT=DIR loads DIR/dist/extension.js instead of this repository's (the bench
// points it at a production build, `scripts/build.mjs --production --outdir DIR/dist`).
//
// This is a stub, not VS Code: it leaves out the extension host's own work (finding and loading the
// extension, its module system, IPC to the renderer, rendering the hover). What it measures is the
// extension's own code on the same Node version the extension host uses.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');

/** The extension's root (its dist/ holds the bundles): this repository, or EMBDIAG_EXTENSION_ROOT (e.g. a production build). */
const ROOT = path.resolve(process.env.EMBDIAG_EXTENSION_ROOT || path.join(__dirname, '..'));
const registrations = { commands: [], hoverProviders: [], codeActionProviders: [], webviewPanelSerializers: [], customEditorProviders: [], fileSystemWatchers: [], outputChannels: [], diagnosticCollections: [], statusBarItems: [], listeners: 0 };
/** vscode API members the extension touched that this stub does not implement (answered by a generic recorder). */
const unstubbed = new Set();

class Disposable {
  constructor(fn) { this._fn = fn; }
  static from(...ds) { return new Disposable(() => ds.forEach(d => d && d.dispose && d.dispose())); }
  dispose() { const f = this._fn; this._fn = undefined; if (f) f(); }
}
const disposable = () => new Disposable(() => undefined);
const event = () => { registrations.listeners++; return disposable(); };

class EventEmitter {
  constructor() { this._listeners = new Set(); this.event = (l, thisArg) => { const f = l.bind(thisArg); this._listeners.add(f); return new Disposable(() => this._listeners.delete(f)); }; }
  fire(e) { for (const l of [...this._listeners]) l(e); }
  dispose() { this._listeners.clear(); }
}

class CancellationTokenSource {
  constructor() {
    const emitter = new EventEmitter();
    this._emitter = emitter;
    this.token = { isCancellationRequested: false, onCancellationRequested: emitter.event };
  }
  cancel() { if (!this.token.isCancellationRequested) { this.token.isCancellationRequested = true; this._emitter.fire(undefined); } }
  dispose() { this._emitter.dispose(); }
}

class Uri {
  constructor(scheme, authority, p, query = '', fragment = '') { this.scheme = scheme; this.authority = authority; this.path = p; this.query = query; this.fragment = fragment; }
  static file(p) { return new Uri('file', '', path.resolve(p)); }
  static parse(s) { const u = new URL(s); return new Uri(u.protocol.replace(/:$/, ''), u.host, decodeURIComponent(u.pathname), u.search.replace(/^\?/, ''), u.hash.replace(/^#/, '')); }
  static joinPath(base, ...segments) { return new Uri(base.scheme, base.authority, path.posix.join(base.path, ...segments), base.query, base.fragment); }
  get fsPath() { return this.path; }
  with(change) { return new Uri(change.scheme ?? this.scheme, change.authority ?? this.authority, change.path ?? this.path, change.query ?? this.query, change.fragment ?? this.fragment); }
  toString() { return `${this.scheme}://${this.authority}${encodeURI(this.path)}${this.query ? '?' + this.query : ''}${this.fragment ? '#' + this.fragment : ''}`; }
  toJSON() { return { scheme: this.scheme, authority: this.authority, path: this.path, query: this.query, fragment: this.fragment }; }
}

class Position {
  constructor(line, character) { this.line = line; this.character = character; }
  isBefore(o) { return this.line < o.line || (this.line === o.line && this.character < o.character); }
  isEqual(o) { return this.line === o.line && this.character === o.character; }
  translate(dl = 0, dc = 0) { return new Position(this.line + dl, this.character + dc); }
}
class Range {
  constructor(a, b, c, d) {
    if (typeof a === 'number') { this.start = new Position(a, b); this.end = new Position(c, d); } else { this.start = a; this.end = b; }
  }
  contains(p) { const q = p.start ?? p; return !q.isBefore(this.start) && !this.end.isBefore(q); }
  get isEmpty() { return this.start.isEqual(this.end); }
}
class Selection extends Range {}

class MarkdownString {
  constructor(value = '', supportThemeIcons = false) { this.value = value; this.supportThemeIcons = supportThemeIcons; this.isTrusted = false; }
  appendMarkdown(s) { this.value += s; return this; }
  appendText(s) { this.value += s.replace(/[\\`*_{}[\]()#+\-.!]/g, '\\$&'); return this; }
  appendCodeblock(code, lang = '') { this.value += `\n\`\`\`${lang}\n${code}\n\`\`\`\n`; return this; }
}
class Hover { constructor(contents, range) { this.contents = Array.isArray(contents) ? contents : [contents]; this.range = range; } }
class Diagnostic { constructor(range, message, severity = 0) { this.range = range; this.message = message; this.severity = severity; } }
class CodeActionKind {
  constructor(value) { this.value = value; }
  append(part) { return new CodeActionKind(this.value ? `${this.value}.${part}` : part); }
  contains(o) { return o.value === this.value || o.value.startsWith(this.value + '.'); }
}
CodeActionKind.Empty = new CodeActionKind('');
CodeActionKind.QuickFix = new CodeActionKind('quickfix');
CodeActionKind.Refactor = new CodeActionKind('refactor');
CodeActionKind.Source = new CodeActionKind('source');
class CodeAction { constructor(title, kind) { this.title = title; this.kind = kind; } }
class ThemeIcon { constructor(id, color) { this.id = id; this.color = color; } }
class ThemeColor { constructor(id) { this.id = id; } }
class RelativePattern { constructor(base, pattern) { this.base = base; this.pattern = pattern; } }

/** A text document over a file's text (what the hover provider uses: uri, languageId, lineAt, offsetAt, positionAt). */
function textDocument(fsPath, languageId) {
  const text = fs.readFileSync(fsPath, 'utf8');
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const lineText = (n) => text.slice(starts[n], n + 1 < starts.length ? starts[n + 1] - 1 : text.length).replace(/\r$/, '');
  const offsetAt = (p) => Math.min(text.length, starts[Math.min(Math.max(p.line, 0), starts.length - 1)] + Math.max(0, p.character));
  const positionAt = (o) => {
    o = Math.max(0, Math.min(o, text.length));
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid] <= o) lo = mid; else hi = mid - 1; }
    return new Position(lo, o - starts[lo]);
  };
  return {
    uri: Uri.file(fsPath), fileName: fsPath, languageId, version: 1, isDirty: false, isClosed: false, isUntitled: false, eol: 1,
    lineCount: starts.length,
    getText: (range) => (range ? text.slice(offsetAt(range.start), offsetAt(range.end)) : text),
    lineAt: (lineOrPos) => {
      const n = typeof lineOrPos === 'number' ? lineOrPos : lineOrPos.line;
      const t = lineText(n);
      return { lineNumber: n, text: t, range: new Range(n, 0, n, t.length), rangeIncludingLineBreak: new Range(n, 0, n + 1, 0), firstNonWhitespaceCharacterIndex: t.search(/\S|$/), isEmptyOrWhitespace: !t.trim() };
    },
    offsetAt, positionAt,
    getWordRangeAtPosition: () => undefined,
    validatePosition: (p) => p, validateRange: (r) => r,
    save: async () => true,
  };
}

/** Anything the stub does not implement: a callable, constructible recorder whose results are disposable. */
function recorder(name) {
  const target = function () {};
  return new Proxy(target, {
    get(_, prop) {
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      if (prop === 'dispose') return () => undefined;
      return recorder(`${name}.${String(prop)}`);
    },
    apply() { unstubbed.add(name); return recorder(`${name}()`); },
    construct() { unstubbed.add(`new ${name}`); return recorder(`new ${name}`); },
  });
}
function namespace(name, members) {
  return new Proxy(members, {
    get(t, prop) {
      if (prop in t || typeof prop === 'symbol') return t[prop];
      unstubbed.add(`${name}.${String(prop)}`);
      return recorder(`${name}.${String(prop)}`);
    },
  });
}

let workspaceFolders = [];
const configuration = () => ({ get: (_key, fallback) => fallback, has: () => false, inspect: () => undefined, update: async () => undefined });

const vscode = namespace('vscode', {
  __esModule: undefined, // esbuild's interop asks
  version: '1.100.0',
  Uri, Position, Range, Selection, Disposable, EventEmitter, CancellationTokenSource, MarkdownString, Hover, Diagnostic,
  CodeAction, CodeActionKind, ThemeIcon, ThemeColor, RelativePattern,
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2, Three: 3 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  EndOfLine: { LF: 1, CRLF: 2 },
  window: namespace('window', {
    createOutputChannel: (name) => {
      const lines = [];
      const ch = { name, lines, append: (s) => lines.push(s), appendLine: (s) => lines.push(s), replace: () => undefined, clear: () => { lines.length = 0; }, show: () => undefined, hide: () => undefined, dispose: () => undefined };
      registrations.outputChannels.push(ch);
      return ch;
    },
    createStatusBarItem: (...args) => {
      const item = { args, text: '', tooltip: undefined, command: undefined, show() {}, hide() {}, dispose() {} };
      registrations.statusBarItems.push(item);
      return item;
    },
    registerWebviewPanelSerializer: (viewType) => { registrations.webviewPanelSerializers.push(viewType); return disposable(); },
    registerCustomEditorProvider: (viewType) => { registrations.customEditorProviders.push(viewType); return disposable(); },
    onDidChangeActiveTextEditor: event, onDidChangeVisibleTextEditors: event, onDidChangeActiveColorTheme: event,
    activeTextEditor: undefined, visibleTextEditors: [],
    tabGroups: { activeTabGroup: { activeTab: undefined, tabs: [] }, all: [], onDidChangeTabs: event, onDidChangeTabGroups: event },
    setStatusBarMessage: () => disposable(),
    showInformationMessage: async () => undefined, showWarningMessage: async () => undefined, showErrorMessage: async () => undefined,
  }),
  workspace: namespace('workspace', {
    get workspaceFolders() { return workspaceFolders; },
    textDocuments: [],
    getConfiguration: configuration,
    createFileSystemWatcher: (glob) => {
      registrations.fileSystemWatchers.push(String(glob));
      return { onDidChange: event, onDidCreate: event, onDidDelete: event, ignoreChangeEvents: false, ignoreCreateEvents: false, ignoreDeleteEvents: false, dispose() {} };
    },
    onDidOpenTextDocument: event, onDidChangeTextDocument: event, onDidCloseTextDocument: event, onDidSaveTextDocument: event,
    onDidChangeConfiguration: event, onDidChangeWorkspaceFolders: event,
    asRelativePath: (p) => {
      const fsPath = typeof p === 'string' ? p : p.fsPath;
      for (const f of workspaceFolders) if (fsPath.startsWith(f.uri.fsPath + path.sep)) return path.relative(f.uri.fsPath, fsPath);
      return fsPath;
    },
    getWorkspaceFolder: (uri) => workspaceFolders.find(f => uri.fsPath.startsWith(f.uri.fsPath + path.sep)),
    isTrusted: true,
  }),
  languages: namespace('languages', {
    registerHoverProvider: (selector, provider) => { registrations.hoverProviders.push({ selector, provider }); return disposable(); },
    registerCodeActionsProvider: (selector, provider) => { registrations.codeActionProviders.push({ selector, provider }); return disposable(); },
    createDiagnosticCollection: (name) => {
      const map = new Map();
      const c = { name, set: (uri, d) => map.set(String(uri), d), delete: (uri) => map.delete(String(uri)), clear: () => map.clear(), get: (uri) => map.get(String(uri)), has: (uri) => map.has(String(uri)), forEach: (f) => map.forEach((v, k) => f(Uri.parse(k), v)), dispose: () => map.clear() };
      registrations.diagnosticCollections.push(name);
      return c;
    },
    match: (selector, document) => ([].concat(selector).some(s => (typeof s === 'string' ? s : s.language) === document.languageId) ? 10 : 0),
  }),
  commands: namespace('commands', {
    registerCommand: (id) => { registrations.commands.push(id); return disposable(); },
    executeCommand: async () => undefined,
  }),
  env: namespace('env', { clipboard: { readText: async () => '', writeText: async () => undefined }, language: 'en', appName: 'stub', uiKind: 1, openExternal: async () => true }),
  extensions: namespace('extensions', { getExtension: () => undefined, all: [] }),
  l10n: namespace('l10n', { t: (s) => (typeof s === 'string' ? s : s.message) }),
});

const originalLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') return vscode;
  return originalLoad.call(this, request, parent, isMain);
};

function context() {
  const extensionUri = Uri.file(ROOT);
  const memento = () => { const m = new Map(); return { get: (k, d) => (m.has(k) ? m.get(k) : d), update: async (k, v) => { m.set(k, v); }, keys: () => [...m.keys()], setKeysForSync: () => undefined }; };
  return {
    subscriptions: [], extensionUri, extensionPath: ROOT, extensionMode: 1,
    globalState: memento(), workspaceState: memento(),
    globalStorageUri: Uri.file(path.join(ROOT, '.bench-storage')), storageUri: undefined, logUri: Uri.file(path.join(ROOT, '.bench-log')),
    asAbsolutePath: (p) => path.join(ROOT, p),
    secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: event },
    environmentVariableCollection: recorder('context.environmentVariableCollection'),
  };
}

async function activate() {
  const file = path.join(ROOT, 'dist', 'extension.js');
  if (process.env.EMBDIAG_STUB_PRELOAD_BUILTINS) {
    // As in VS Code's extension host, where Node's built-in modules the bundle uses (crypto, zlib,
    // worker_threads, ...) are loaded already: load them before the clock starts.
    for (const m of new Set(fs.readFileSync(file, 'utf8').match(/require\("node:[a-z_/]+"\)/g) ?? [])) require(m.slice(9, -2));
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const ext = require(file);
  const t1 = performance.now();
  const ctx = context();
  const api = await ext.activate(ctx);
  const t2 = performance.now();
  const cpu = process.cpuUsage(c0);
  return { ext, ctx, api, timing: { requireMs: t1 - t0, activateMs: t2 - t1, totalMs: t2 - t0, cpuMs: (cpu.user + cpu.system) / 1000, sinceProcessStartMs: t2 } };
}

function deactivate(ext, ctx) {
  for (const d of ctx.subscriptions) { try { d.dispose(); } catch { /* shutting down */ } }
  try { ext.deactivate?.(); } catch { /* shutting down */ }
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'activate') {
    const { ext, ctx, timing } = await activate();
    const summary = Object.fromEntries(Object.entries(registrations).map(([k, v]) => [k, Array.isArray(v) ? v.length : v]));
    process.stdout.write(JSON.stringify({ ...timing, registrations: summary, unstubbed: [...unstubbed] }) + '\n');
    deactivate(ext, ctx);
    return;
  }
  if (mode === 'hover') {
    const [workspace, docRel, line, character, calls] = rest;
    workspaceFolders = [{ uri: Uri.file(workspace), name: path.basename(workspace), index: 0 }];
    const { ext, ctx } = await activate();
    const hp = registrations.hoverProviders[0];
    if (!hp) throw new Error('the extension registered no hover provider');
    const doc = textDocument(path.join(workspace, docRel), 'python');
    const position = new Position(Number(line), Number(character));
    const token = new CancellationTokenSource().token;
    const c0 = performance.now();
    const first = await hp.provider.provideHover(doc, position, token);
    const coldMs = performance.now() - c0;
    const text = (h) => (h ? h.contents.map(c => (typeof c === 'string' ? c : c.value)).join('\n') : '');
    if (!/rank/i.test(text(first))) throw new Error(`the first hover has no report in it: ${JSON.stringify(text(first)).slice(0, 400)}`);
    const times = [];
    let last;
    for (let i = 0; i < Number(calls); i++) {
      const t0 = performance.now();
      last = await hp.provider.provideHover(doc, position, token);
      times.push(performance.now() - t0);
    }
    if (text(last) !== text(first)) throw new Error('a cached hover differs from the first one');
    const sorted = [...times].sort((a, b) => a - b);
    process.stdout.write(JSON.stringify({
      coldMs, calls: times.length, medianMs: quantile(sorted, 0.5), p95Ms: quantile(sorted, 0.95), maxMs: sorted[sorted.length - 1], firstCachedMs: times[0],
      hoverChars: text(first).length, unstubbed: [...unstubbed],
    }) + '\n');
    deactivate(ext, ctx);
    return;
  }
  throw new Error('usage: bench_vscode_stub.cjs activate | hover WORKSPACE DOC LINE CHARACTER CALLS');
}

main().then(() => process.exit(0), (e) => { process.stderr.write((e && e.stack) || String(e)); process.exit(1); });
