import * as vscode from 'vscode';
import * as path from 'node:path';
import type { InformationFlags } from '../core/information/informationInputs';
import { manifestCandidates } from '../core/information/manifest';
import { DUMP_GLOB } from './dumpPaths';

type FileRole = 'perturbed' | 'targets' | 'predictions';

const ROLE_PROMPTS: Record<FileRole, string> = {
  perturbed: 'Embeddings of perturbed inputs Z̃ (same rows, degraded or noisy inputs) — enables the capacity figures',
  targets: 'Regression targets Y (same rows) — rate–distortion of the output',
  predictions: "Model predictions Ŷ (same rows) — the operating point at the model's MSE",
};

const NUMBER_PROMPTS: { key: 'inputSymbols' | 'noiseStd' | 'distortion'; prompt: string }[] = [
  { key: 'inputSymbols', prompt: 'Input symbols per model use n (e.g. 784 for 28×28 images) — for bits per input symbol. Leave empty to skip.' },
  { key: 'noiseStd', prompt: 'Additive input-noise level σ (AWGN capacity E7a). Leave empty to skip.' },
  { key: 'distortion', prompt: 'Target distortion D (total squared error per row) for R(D). Leave empty to skip.' },
];

const optionalPositive = (v: string) => (v.trim() === '' || (Number.isFinite(Number(v)) && Number(v) >= 0) ? undefined : 'A non-negative number, or empty.');

/**
 * Asks for the optional inputs of the information analysis (row-matched files by quick
 * pick, scalars by input box), and offers to save them as the dump's sidecar manifest so
 * the next run needs no questions. Undefined when the user cancels.
 */
export async function askInformationInputs(dump: vscode.Uri): Promise<InformationFlags | undefined> {
  const files = (await vscode.workspace.findFiles(DUMP_GLOB, '**/{node_modules,.git}/**', 2000))
    .filter(f => f.fsPath !== dump.fsPath && f.scheme === 'file')
    .sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  const flags: InformationFlags = { manifest: false };
  const title = `Rate and capacity of ${path.basename(dump.fsPath)}`;
  const roles: FileRole[] = ['perturbed', 'targets', 'predictions'];
  for (const [i, role] of roles.entries()) {
    const items = [
      { label: '$(close) None', description: 'skip', uri: undefined as vscode.Uri | undefined },
      ...files.map(uri => ({ label: vscode.workspace.asRelativePath(uri, false), description: path.extname(uri.fsPath).slice(1), uri })),
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `${title} (${i + 1}/${roles.length + NUMBER_PROMPTS.length + 1})`, placeHolder: ROLE_PROMPTS[role], ignoreFocusOut: true, matchOnDescription: true });
    if (!pick) return undefined;
    if (pick.uri) flags[role] = pick.uri.fsPath;
  }
  for (const [i, { key, prompt }] of NUMBER_PROMPTS.entries()) {
    const v = await vscode.window.showInputBox({ title: `${title} (${roles.length + i + 1}/${roles.length + NUMBER_PROMPTS.length + 1})`, prompt, validateInput: optionalPositive, ignoreFocusOut: true });
    if (v === undefined) return undefined;
    if (v.trim() !== '') flags[key] = Number(v);
  }
  const manifestPath = manifestCandidates(dump.fsPath)[0];
  const save = await vscode.window.showQuickPick(
    [{ label: `$(save) Save as ${path.basename(manifestPath)}`, detail: 'a sidecar manifest next to the dump: the next analysis needs no questions', save: true },
      { label: '$(run) Just analyse', detail: 'keep the answers for this run only', save: false }],
    { title: `${title} (${roles.length + NUMBER_PROMPTS.length + 1}/${roles.length + NUMBER_PROMPTS.length + 1})`, ignoreFocusOut: true });
  if (!save) return undefined;
  if (save.save) await writeManifest(manifestPath, flags);
  return flags;
}

/** Writes the answers as a manifest, with paths relative to the manifest's folder. */
export async function writeManifest(manifestPath: string, flags: InformationFlags): Promise<void> {
  const dir = path.dirname(manifestPath);
  const manifest: Record<string, unknown> = { version: 1 };
  for (const role of ['perturbed', 'targets', 'predictions', 'inputs', 'labels'] as const) {
    const f = flags[role];
    if (f) manifest[role] = path.relative(dir, f).split(path.sep).join('/');
  }
  for (const key of ['inputSymbols', 'bitsPerCoordinate', 'noiseStd', 'inputPower', 'distortion'] as const) {
    if (flags[key] !== undefined) manifest[key] = flags[key];
  }
  await vscode.workspace.fs.writeFile(vscode.Uri.file(manifestPath), new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'));
  vscode.window.setStatusBarMessage(`$(check) Saved ${path.basename(manifestPath)}`, 4000);
}

/** Checks flags passed to the command by another extension or a test. */
export function isInformationFlags(v: unknown): v is InformationFlags {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
