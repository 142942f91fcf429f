import * as vscode from 'vscode';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { RawShape } from '../core/formats/dumpFile';

const KEY = 'embeddingDiagnostics.rawShape:';

const DTYPES: { label: string; description: string }[] = [
  { label: 'float32', description: '4 bytes — X.astype(np.float32).tofile(...)' },
  { label: 'float16', description: '2 bytes' },
  { label: 'bfloat16', description: '2 bytes (torch.bfloat16)' },
  { label: 'float64', description: '8 bytes (numpy\'s default float)' },
  { label: 'int8', description: '1 byte (quantized codes)' },
  { label: 'uint8', description: '1 byte (quantized codes)' },
  { label: 'int16', description: '2 bytes' },
  { label: 'int32', description: '4 bytes' },
  { label: '>f4', description: 'big-endian float32' },
  { label: '>f8', description: 'big-endian float64' },
];

/**
 * The dtype and dimension of headerless raw files (numpy's tofile), asked once per file in the
 * editor and remembered in the workspace state. The analysis service applies a remembered shape
 * to every task on that file (analysisService.ts withRawShape), so the panel, hovers and diagnostics agree.
 */
export class RawShapes {
  constructor(private readonly memento: vscode.Memento) {}

  get(fsPath: string): RawShape | undefined {
    return this.memento.get<RawShape>(KEY + fsPath);
  }

  /** Asks for the file's dtype (a quick pick) and dimension (an input box); remembers and returns the answer, or undefined if dismissed. */
  async ask(fsPath: string, why: string): Promise<RawShape | undefined> {
    const name = path.basename(fsPath);
    const ext = path.extname(fsPath).toLowerCase();
    const { parseRawDType, RAW_EXTENSIONS } = await import('./onDemand');
    const known = RAW_EXTENSIONS[ext];
    const previous = this.get(fsPath);
    const items = DTYPES.map(d => ({ ...d, picked: d.label === (previous?.dtype ?? known) }));
    const pick = vscode.window.createQuickPick<typeof items[number]>();
    pick.title = `${name}: the dtype of this headerless array`;
    pick.placeholder = `${why} Pick the dtype it was written with (or type one, e.g. <f2).`;
    pick.items = items;
    const active = items.find(i => i.picked);
    if (active) pick.activeItems = [active];
    const dtype = await new Promise<string | undefined>(resolve => {
      pick.onDidAccept(() => {
        const typed = pick.value.trim();
        resolve(pick.selectedItems[0]?.label ?? (typed && parseRawDType(typed) ? typed : undefined));
        pick.hide();
      });
      pick.onDidHide(() => resolve(undefined));
      pick.show();
    });
    pick.dispose();
    if (!dtype) return undefined;
    const itemSize = parseRawDType(dtype)!.itemSize;
    const size = await fs.stat(fsPath).then(s => s.size, () => undefined);
    const dimText = await vscode.window.showInputBox({
      title: `${name}: the dimension of each row (${dtype})`,
      prompt: size === undefined ? 'Values per row (X.shape[1]).' : `Values per row (X.shape[1]); the file holds ${size} bytes = ${size / itemSize} ${dtype} values.`,
      value: previous?.dim !== undefined ? String(previous.dim) : '',
      validateInput: text => {
        if (!/^\d+$/.test(text.trim()) || Number(text) < 1) return 'A whole number of at least 1.';
        const rowBytes = Number(text) * itemSize;
        return size !== undefined && size % rowBytes !== 0 ? `${size} bytes are not a whole number of ${rowBytes}-byte rows.` : undefined;
      },
    });
    if (dimText === undefined) return undefined;
    const shape: RawShape = { dtype, dim: Number(dimText.trim()) };
    await this.memento.update(KEY + fsPath, shape);
    return shape;
  }
}
