/**
 * Reading the rows of an information analysis's inputs: every array of the resolved inputs read
 * at the same rows (a seeded sample beyond maxRows, within a memory budget), then the pure core
 * computeInformation (informationReport.ts) on them.
 *
 *   analyzeInformationFile(path, flags, options)   resolve inputs, read rows, compute, close;
 *   analyzeInformation(resolvedInputs, options)    read rows of resolved inputs, compute.
 */
import { EmbdiagError } from '../errors';
import type { EmbeddingMatrix } from '../formats/dumpFile';
import { sampleRowIndices, uniqueSortedRuns } from '../stats/rowSampler';
import type { RowMatrix } from './dense';
import {
  describeInputs, nodeInformationHost, resolveInformationInputs,
  type InformationFlags, type InformationHost, type InputSource, type ResolvedArray, type ResolvedInformationInputs,
} from './informationInputs';
import {
  computeInformation, DEFAULT_INFORMATION_OPTIONS, validateOptions,
  type InformationHooks, type InformationOptions, type InformationReport, type ScalarInputs,
} from './informationReport';
import type { ArrayRole, ScalarKey } from './manifest';
import { companionLabelSource, labelsOfRowMetadata } from './metadataLabels';

/** Bytes of float64 row data held in memory at most; maxRows is lowered to fit. */
const MEMORY_BUDGET_BYTES = 1 << 30;

/** Reads the rows of resolved inputs (seeded sample beyond maxRows) and computes the report. */
export async function analyzeInformation(inputs: ResolvedInformationInputs, options: Partial<InformationOptions> = {}, hooks: InformationHooks = {}): Promise<InformationReport> {
  const started = Date.now();
  const opt: InformationOptions = { ...DEFAULT_INFORMATION_OPTIONS, ...options };
  validateOptions(opt);
  const total = inputs.embeddings.rows;
  const usable = Object.values(inputs.companions).filter((a): a is ResolvedArray => !!a && a.used);
  const totalCols = inputs.embeddings.dim + usable.reduce((s, a) => s + a.dim, 0);
  const budgetRows = Math.max(2, Math.floor(MEMORY_BUDGET_BYTES / (8 * Math.max(1, totalCols))));
  const maxRows = Math.min(opt.maxRows, budgetRows);
  const notes: string[] = [];
  if (maxRows < opt.maxRows && total > maxRows) notes.push(`Rows limited to ${maxRows} (not ${opt.maxRows}) to keep ${totalCols} float64 columns within ${MEMORY_BUDGET_BYTES >> 20} MB.`);
  const sampled = total > maxRows;
  const indices = sampled ? sampleRowIndices(total, maxRows, opt.seed) : null;
  const rowsRead = sampled ? maxRows : total;
  const readStarted = Date.now();
  let done = 0;
  const parts = 1 + usable.length;
  const read = async (a: { matrix: EmbeddingMatrix; column: boolean; dim: number }): Promise<RowMatrix> => {
    const m = await readSelected(a.matrix, a.column, indices, total, hooks, (f) => hooks.onProgress?.(0.25 * ((done + f) / parts), `Reading ${a.matrix.name}`));
    done++;
    return m;
  };
  const z = await read(inputs.embeddings);
  const get = async (role: Exclude<ArrayRole, 'embeddings'>) => {
    const a = inputs.companions[role];
    return a && a.used ? read(a) : null;
  };
  const zt = await get('perturbed');
  const y = await get('targets');
  const yh = await get('predictions');
  const x = await get('inputs');
  const lab = await get('labels');
  const labelled = lab ? null : await labelsOfRowMetadata(inputs, indices ?? Float64Array.from({ length: total }, (_, i) => i), hooks);
  const readMs = Date.now() - readStarted;
  await inputs.assertUnchanged?.();
  const scalars: ScalarInputs = {};
  const scalarSources: Partial<Record<ScalarKey, InputSource>> = {};
  for (const [k, v] of Object.entries(inputs.scalars)) {
    // Derived/dtype defaults are recomputed by the core from the data; pass explicit ones and defaults alike.
    scalars[k as ScalarKey] = v!.value;
    scalarSources[k as ScalarKey] = v!.source;
  }
  const excluded: Partial<Record<ArrayRole, string>> = {};
  for (const [role, a] of Object.entries(inputs.companions)) if (a && !a.used) excluded[role as ArrayRole] = a.excludedReason ?? 'left out';
  const report = computeInformation({
    embeddings: z, embeddingsDtype: inputs.embeddings.dtype,
    perturbed: zt, targets: y, predictions: y ? yh : null, inputs: x, inputsDtype: inputs.companions.inputs?.dtype,
    labels: lab ? lab.data : null, metadataLabels: labelled?.classes ?? null, labelSource: lab ? companionLabelSource(inputs.companions.labels!) : labelled?.description,
    scalars, scalarSources, rowsTotal: total, excluded,
  }, { ...opt, maxRows }, { isCancelled: hooks.isCancelled, onProgress: (f, m) => hooks.onProgress?.(0.25 + 0.75 * f, m) });
  const described = describeInputs(inputs);
  report.inputs = { ...report.inputs, embeddings: described.embeddings, companions: described.companions, scalars: described.scalars, manifest: described.manifest };
  report.problems = [...inputs.problems, ...report.problems];
  report.notes = [...notes, ...report.notes];
  if (sampled) report.notes.unshift(`Analysed a seeded uniform sample of ${rowsRead} of ${total} rows (seed ${opt.seed}); the same rows of every array.`);
  report.timings = { totalMs: Date.now() - started, readMs };
  return report;
}

/** Resolves the inputs of `dumpPath`, analyses them, and closes every file. */
export async function analyzeInformationFile(dumpPath: string, flags: InformationFlags = {}, options: Partial<InformationOptions> = {}, hooks: InformationHooks = {}, host: InformationHost = nodeInformationHost): Promise<InformationReport> {
  const inputs = await resolveInformationInputs(dumpPath, flags, host);
  try {
    return await analyzeInformation(inputs, options, hooks);
  } finally {
    await inputs.close();
  }
}

async function readSelected(m: EmbeddingMatrix, column: boolean, indices: Float64Array | null, total: number, hooks: InformationHooks, progress: (f: number) => void): Promise<RowMatrix> {
  if (column) {
    // A 1-D array is one "row" of length N for the readers: read it once, then pick.
    const all = await m.readRows(0, 1);
    const data = indices ? Float64Array.from(indices, i => all[i]) : all;
    progress(1);
    return { rows: data.length, cols: 1, data };
  }
  const dim = m.dim;
  const rows = indices ? indices.length : total;
  const out = new Float64Array(rows * dim);
  const runs = indices ? uniqueSortedRuns(indices) : [[0, total] as [number, number]];
  const blockRows = Math.max(1, Math.floor((8 << 20) / (8 * Math.max(1, dim))));
  let filled = 0;
  for (const [start, count] of runs) {
    for (let r = start; r < start + count; r += blockRows) {
      if (hooks.isCancelled?.()) throw new EmbdiagError('cancelled', 'Analysis cancelled.');
      const c = Math.min(blockRows, start + count - r);
      out.set(await m.readRows(r, c), filled * dim);
      filled += c;
      progress(filled / Math.max(1, rows));
    }
  }
  return { rows, cols: dim, data: out };
}
