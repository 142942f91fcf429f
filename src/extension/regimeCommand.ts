import * as vscode from 'vscode';
import * as path from 'node:path';
import { INIT_SCHEMES, type InitScheme, type InitSpec, type RegimeConfig } from '../core/regime/autoencoderConfig';
import type { AnalysisService } from './analysisService';
import { analysisOptions, readSettings } from './settings';

/** Rows loaded for the regime analysis: it simulates gradient descent on them, several times. */
export const REGIME_MAX_ROWS = 20_000;

const INIT_LABELS: Record<InitScheme, string> = {
  'torch-linear-default': 'PyTorch nn.Linear default',
  'xavier-normal': 'Xavier/Glorot normal',
  'xavier-uniform': 'Xavier/Glorot uniform',
  'kaiming-normal': 'Kaiming normal',
};
const INIT_DETAILS: Record<InitScheme, string> = {
  'torch-linear-default': 'U(−1/√d, 1/√d): σ² = 1/(3d)',
  'xavier-normal': 'σ² = 2/(d+H)',
  'xavier-uniform': 'U(±√(6/(d+H))): σ² = 2/(d+H)',
  'kaiming-normal': 'fan_in, gain √2: σ² = 2/d',
};

const positiveInt = (v: string) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 ? undefined : 'A whole number of at least 1.');
const positiveNum = (v: string) => (Number.isFinite(Number(v)) && Number(v) > 0 && v.trim() !== '' ? undefined : 'A positive number.');

/**
 * Asks for the planned autoencoder, with defaults shown: latent width, initialisation,
 * learning rate and its convention, steps. Undefined when the user cancels.
 */
export async function askRegimeConfig(fsPath: string, service: AnalysisService): Promise<RegimeConfig | undefined> {
  const s = readSettings(vscode.Uri.file(fsPath));
  const report = await service.cached(fsPath, analysisOptions(s));
  const d = report?.dim;
  const title = `Autoencoder regime of ${path.basename(fsPath)}`;
  const latent = await vscode.window.showInputBox({
    title: `${title} (1/5)`, prompt: `Latent width H of the weight-tied autoencoder f(x) = WᵀWx${d ? ` (the embeddings have d = ${d})` : ''}`,
    value: String(d ? Math.max(1, Math.min(64, Math.round(d / 8))) : 16), validateInput: positiveInt, ignoreFocusOut: true,
  });
  if (latent === undefined) return undefined;
  type InitItem = vscode.QuickPickItem & { init?: InitSpec; ask?: 'sigma' | 'sigma2' };
  const items: InitItem[] = [
    ...INIT_SCHEMES.map(scheme => ({ label: INIT_LABELS[scheme], detail: INIT_DETAILS[scheme], init: { scheme } })),
    { label: 'Standard deviation σ…', detail: 'W_ij ~ N(0, σ²)', ask: 'sigma' },
    { label: 'Variance σ²…', detail: 'W_ij ~ N(0, σ²)', ask: 'sigma2' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `${title} (2/5)`, placeHolder: 'Initialisation of W', ignoreFocusOut: true });
  if (!picked) return undefined;
  let init = picked.init;
  if (picked.ask) {
    const v = await vscode.window.showInputBox({ title: `${title} (2/5)`, prompt: picked.ask === 'sigma' ? 'σ (std of each weight)' : 'σ² (variance of each weight)', value: '0.01', validateInput: positiveNum, ignoreFocusOut: true });
    if (v === undefined) return undefined;
    init = picked.ask === 'sigma' ? { sigma: Number(v) } : { sigma2: Number(v) };
  }
  const convention = await vscode.window.showQuickPick([
    { label: 'PyTorch MSELoss(reduction="mean")', detail: 'the learning rate you pass to torch.optim.SGD with nn.MSELoss()', value: 'torch-mse-mean' as const },
    { label: 'Gradient-flow units', detail: 'for the loss (1/2n)Σ‖WᵀWx − x‖² (η_GF = 2η_torch/d)', value: 'gradient-flow' as const },
  ], { title: `${title} (3/5)`, placeHolder: 'In which convention is the learning rate given?', ignoreFocusOut: true });
  if (!convention) return undefined;
  const lr = await vscode.window.showInputBox({ title: `${title} (4/5)`, prompt: `Learning rate (${convention.label})`, value: '0.01', validateInput: positiveNum, ignoreFocusOut: true });
  if (lr === undefined) return undefined;
  const steps = await vscode.window.showInputBox({ title: `${title} (5/5)`, prompt: 'Number of full-batch gradient steps', value: '1000', validateInput: positiveInt, ignoreFocusOut: true });
  if (steps === undefined) return undefined;
  return {
    latentWidth: Number(latent), init: init!, learningRate: Number(lr), learningRateConvention: convention.value,
    steps: Number(steps), seeds: 10, simulate: true, heldOutFraction: 0.2, splitSeed: s.seed,
  };
}

/** Checks a config passed to the command by another extension or a test. */
export function isRegimeConfig(v: unknown): v is RegimeConfig {
  const c = v as Partial<RegimeConfig> | undefined;
  return !!c && typeof c === 'object' && Number.isInteger(c.latentWidth) && typeof c.learningRate === 'number'
    && Number.isInteger(c.steps) && typeof c.init === 'object' && c.init !== null;
}
