import * as vscode from 'vscode';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { findDatasetLiterals, findPathLiterals, isWrittenHere, type DatasetLiteral, type PathLiteral } from '../core/text/pathLiterals';

/**
 * Extensions whose quoted paths get diagnostics; a missing one is worth an error.
 * `.bin` is left out: in code it is mostly model weights (pytorch_model.bin), not embeddings.
 */
export const BINARY_DUMP_EXTENSIONS = ['.npy', '.npz', '.safetensors', '.fvecs', '.bvecs', '.pt', '.pth', '.h5', '.hdf5', '.parquet', '.arrow', '.feather',
  '.faiss', '.f32', '.f16', '.f64', '.bf16', '.i8', '.u8', '.zarr', '.zarr.zip'] as const;
/** Text formats are common in code for other data, so they get hovers (when the file exists) but no diagnostics. */
export const ALL_DUMP_EXTENSIONS = [...BINARY_DUMP_EXTENSIONS, '.tsv', '.csv', '.jsonl', '.ndjson', '.vec'] as const;
/**
 * Extensions mostly used for other data: a path gets a hover only when the file's content is a dump
 * (see contentIsDump); `.index` is also a TensorFlow checkpoint's index.
 */
export const SNIFFED_DUMP_EXTENSIONS = ['.json', '.txt', '.index'] as const;

export const DUMP_GLOB = '**/*.{npy,npz,safetensors,fvecs,bvecs,tsv,csv,pt,pth,h5,hdf5,parquet,arrow,feather,jsonl,ndjson,vec,index,faiss,f32,f16,f64,bf16,i8,u8,raw}';

/**
 * For SNIFFED_DUMP_EXTENSIONS: true when the file's first bytes say it is a dump (a .json embedding
 * response, not a config; a .txt of GloVe or word2vec text vectors, not notes or requirements; an
 * .index that is a FAISS index, not a TensorFlow checkpoint's).
 */
export async function contentIsDump(fsPath: string): Promise<boolean> {
  const { looksLikeEmbeddingResponse, RESPONSE_SNIFF_BYTES, sniffWordVectors, WORD_VECTOR_SNIFF_BYTES, hasFaissMagic } = await import('./onDemand');
  try {
    const handle = await fs.open(fsPath, 'r');
    try {
      if (fsPath.toLowerCase().endsWith('.index')) {
        const head = new Uint8Array(4);
        const { bytesRead } = await handle.read(head, 0, 4, 0);
        return hasFaissMagic(head.subarray(0, bytesRead));
      }
      const json = fsPath.toLowerCase().endsWith('.json');
      const head = new Uint8Array(json ? RESPONSE_SNIFF_BYTES : WORD_VECTOR_SNIFF_BYTES);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      const start = head.subarray(0, bytesRead);
      const words = json ? undefined : sniffWordVectors(start);
      return json ? looksLikeEmbeddingResponse(start) : words === 'glove' || words === 'word2vec-text';
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** Languages whose documents get hovers and diagnostics on dump paths. */
export const DOCUMENT_SELECTOR: vscode.DocumentSelector = [
  'python', 'json', 'jsonc', 'yaml', 'toml', 'markdown', 'shellscript',
].map(language => ({ language }));

export type ResolvedDumpPath =
  | { exists: true; fsPath: string }
  | { exists: false; tried: string[] };

/**
 * Where a path written in a document may point, in order: absolute, `~/`, relative to the
 * document's folder, then to each workspace folder (scripts are often run from the root).
 */
function candidatePaths(written: string, document: vscode.TextDocument): string[] {
  const candidates: string[] = [];
  if (written.startsWith('~/')) candidates.push(path.join(os.homedir(), written.slice(2)));
  else if (path.isAbsolute(written)) candidates.push(written);
  else {
    // notebook cells share the notebook's path, so their folder is the notebook's
    if (document.uri.scheme === 'file' || document.uri.scheme === 'vscode-notebook-cell') {
      candidates.push(path.resolve(path.dirname(document.uri.fsPath), written));
    }
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme === 'file') candidates.push(path.resolve(folder.uri.fsPath, written));
    }
  }
  return [...new Set(candidates)];
}

/** The first candidate (see candidatePaths) that is a file, or a Zarr store's folder (zarr.open("emb.zarr")). */
export async function resolveDumpPath(written: string, document: vscode.TextDocument): Promise<ResolvedDumpPath> {
  const unique = candidatePaths(written, document);
  for (const c of unique) {
    try {
      const st = await fs.stat(c);
      if (st.isFile() || (st.isDirectory() && await (await import('./onDemand')).isZarrDirectory(c))) return { exists: true, fsPath: c };
    } catch { /* try the next candidate */ }
  }
  return { exists: false, tried: unique };
}

/**
 * Where a dataset literal points: the first candidate glob that matches dump files, or folder that
 * holds some (absolute, so the analysis does not depend on the extension host's working directory).
 */
export async function resolveDatasetPath(literal: DatasetLiteral, document: vscode.TextDocument): Promise<ResolvedDumpPath> {
  const unique = candidatePaths(literal.value.replace(/[\\/]+$/, ''), document);
  const { expandDatasetPaths } = await import('./onDemand');
  for (const c of unique) {
    try {
      if (literal.kind === 'folder' && !(await fs.stat(c)).isDirectory()) continue;
      if ((await expandDatasetPaths([c])).length > 0) return { exists: true, fsPath: c };
    } catch { /* matches nothing: try the next candidate */ }
  }
  return { exists: false, tried: unique };
}

/** Whether a dump at `file` can be a shard of the dataset (its folder, or under the glob's fixed part). */
export function datasetMayContain(datasetPath: string, file: string): boolean {
  const wildcard = datasetPath.search(/[*?[]/);
  if (wildcard < 0) return path.dirname(file) === datasetPath;
  return file.startsWith(datasetPath.slice(0, wildcard).replace(/[^\\/]*$/, ''));
}

export function datasetLiteralsIn(document: vscode.TextDocument): DatasetLiteral[] {
  return findDatasetLiterals(document.getText(), BINARY_DUMP_EXTENSIONS);
}

export function dumpLiteralsIn(document: vscode.TextDocument, extensions: readonly string[] = BINARY_DUMP_EXTENSIONS): PathLiteral[] {
  return findPathLiterals(document.getText(), extensions);
}

/**
 * True when the literal is being written rather than read (np.save("x.npy", ...),
 * torch.save(t, "x.pt"), df.to_parquet(...)): a missing file there is expected.
 */
export function isWriteContext(document: vscode.TextDocument, literal: PathLiteral): boolean {
  const pos = document.positionAt(literal.start);
  const line = document.lineAt(pos.line).text;
  const end = document.positionAt(literal.end);
  return isWrittenHere(line.slice(0, pos.character), end.line === pos.line ? line.slice(end.character + 1) : '');
}

export function literalRange(document: vscode.TextDocument, literal: PathLiteral): vscode.Range {
  return new vscode.Range(document.positionAt(literal.start), document.positionAt(literal.end));
}
