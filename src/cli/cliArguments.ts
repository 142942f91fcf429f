import { parseArgs } from 'node:util';
import { EmbdiagError } from '../core/errors';
import { DEFAULT_THRESHOLDS, type FindingThresholds } from '../core/analysis/findings';
import { DEFAULT_PROJECTION_ROWS, PROJECTION_COMPONENTS } from '../core/analysis/projection';
import { DEFAULT_UMAP_PARAMETERS, UMAP_INPUT_COMPONENTS } from '../core/analysis/umapParameters';
import { ROW_FINDINGS, type RowFindingCode } from '../core/analysis/findingRows';
import type { InformationFlags } from '../core/information/informationInputs';
import type { RawShape } from '../core/formats/dumpFile';
import { parseRawDType, RAW_DTYPE_HELP } from '../core/formats/dtype';
import { INIT_SCHEMES, type InitScheme, type InitSpec, type RegimeConfig } from '../core/regime/autoencoderConfig';

export type OutputMode = 'text' | 'json' | 'markdown';

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'analyze'; file: string;
      /** Datasets: folder of per-shard partials (--cache): unchanged shards are not read again. */
      cacheDir?: string;
      /** Every PATH given (file, folder, glob or .embstats); `file` is the first. Several, a folder, a glob or an .embstats: a dataset. */
      files: string[];
      /** Datasets: exit 2 when a shard cannot be read (else the report is labelled incomplete). */
      strict: boolean; arrayName?: string; maxRows: number; seed: number; output: OutputMode; thresholds: FindingThresholds;
      /** A headerless raw array's layout (--dtype, --dim). */
      raw?: RawShape;
      /** 'auto': when a sidecar manifest exists or the container holds a companion array; true: always (--information or any of its inputs given); false: --no-information. */
      information: boolean | 'auto'; informationFlags: InformationFlags;
      /** Rows of the report's projection (0: none) and the 1-based pair of components drawn. */
      projectionRows: number; projectionComponents: [number, number];
      /** Add the projection's non-linear view (--umap, with --json): projection.umap. */
      umap: boolean }
  | { kind: 'stats'; files: string[]; out: string; cacheDir?: string; arrayName?: string; seed: number; firstRow: number; sampleRows: number; json: boolean }
  | { kind: 'merge'; files: string[]; out: string; json: boolean }
  | { kind: 'regime'; file: string; arrayName?: string; raw?: RawShape; maxRows: number; seed: number; output: OutputMode; config: RegimeConfig }
  | { kind: 'rows'; file: string; arrayName?: string; raw?: RawShape; maxRows: number; seed: number; finding: RowFindingCode; format: 'csv' | 'jsonl'; outlierZ: number;
      /** Add the row metadata columns (--metadata, or implied by --label-column / --text-column); off by default so scripts reading the row column keep working. */
      metadata: boolean; labelColumn?: string; textColumn?: string }
  | { kind: 'row'; file: string; row: number; arrayName?: string; raw?: RawShape; sampleRows: number; seed: number; neighbours: number; json: boolean; labelColumn?: string; textColumn?: string };

export const HELP = `embdiag — look inside saved embedding dumps, without Python

Usage
  embdiag analyze FILE [options]       health, spectrum and effective rank of a dump
  embdiag analyze PATH... [options]    the same for a dataset: several files, a folder, a quoted
                                        glob ("runs/emb-*.npy") or .embstats partials, as one
  embdiag stats PATH... -o OUT.embstats    the mergeable partial statistics of a dataset's shards
  embdiag merge IN.embstats... -o OUT.embstats   merges partials (docs/embstats.md)
  embdiag rows FILE --finding CODE     every row of a row-level finding, one per line
                                        (0-based), for scripts that drop bad rows. CODE:
                                        nan-rows, inf-rows, zero-rows, duplicate-rows,
                                        null-rows, outlier-rows. --format csv (default)
                                        or jsonl; --array, --max-rows, --seed and
                                        --outlier-z as for analyze. --metadata: each row's
                                        metadata (label, text, id, ... columns) follows it
  embdiag row FILE INDEX [--json]      one row: norm, first values, nearest neighbours (cosine
                                        and Euclidean) among a sample of rows, its metadata.
                                        --max-rows N: the sample (default 10000); --neighbours K
                                        (default 10); --array, --seed
  Metadata (rows, row): --label-column NAME, --text-column NAME choose the label and the text
                       column (default: picked by name and type)
  embdiag regime FILE --latent H ...    learning regime of a weight-tied linear autoencoder
                                        trained on the dump (arXiv 2606.05335); FILE may be a
                                        folder, a quoted glob or an .embstats: the dataset's
                                        shared row sample (--max-rows rows) is used
  embdiag --help | --version

Formats
  .npy (v1–v3, every numeric dtype, both byte orders, C/Fortran order)
  .npz (stored or deflated, ZIP64)   .safetensors (incl. F16/BF16)
  .fvecs .bvecs   .tsv (TensorBoard projector, + metadata.tsv check)   .csv (header optional)
  .pt .pth .bin (torch.save, zip and legacy; restricted unpickler, nothing is executed)
  .h5 .hdf5 (datasets in groups, chunked/gzip)   .parquet   .arrow .feather (IPC file or stream)
  .jsonl .ndjson (a record per line)   .json (embedding-API response {"data": [{"embedding": …}]})
  .vec (word2vec/fastText text)   .txt (GloVe, when its lines are a word and numbers)   .bin (word2vec binary)
  .index .faiss (FAISS IndexFlat L2/IP, IndexIDMap/IndexIDMap2, IndexHNSWFlat, IndexIVFFlat; the
                 ids are the rows' labels; compressed indexes (PQ, SQ, binary, ...) are refused)
  .f32 .f16 .f64 .bf16 .i8 .u8 .raw, or a .bin that is nothing else: a headerless array
                 (numpy's tofile), read with --dtype and --dim (or "dtype"/"dim" in the manifest)

Options
  --array NAME         array inside a container: .npz/.safetensors key, .pt key path,
                       HDF5 dataset path (/model/layer), Parquet/Arrow column (default: embeddings, emb,
                       features, x, else the largest 2-D float array); JSON: field dot path
                       (response.data.0.embedding; default: embedding, embeddings, vector, emb)
  --dtype T --dim D    a headerless array's dtype (float32, float16, float64, bfloat16, int8,
                       uint8, ..., or a numpy code: f4, <f2, >f8; little-endian by default) and
                       dimension; .f32/.f16/.f64/.bf16/.i8/.u8 give the dtype (analyze, rows, regime)
  --max-rows N         analyse at most N rows; larger arrays are analysed on a
                       uniform random sample of N rows (default 100000)
  --seed S             seed of that sample (default 0)
  --json               machine-readable report (schema: docs/cli.md)
  --markdown           Markdown report (for CI summaries and pull requests)
  --collapse-ratio R   flag a collapsed spectrum below effective rank / dim = R (default ${DEFAULT_THRESHOLDS.collapseRatio})
  --dead-variance V    a dimension with variance <= V is dead (default ${DEFAULT_THRESHOLDS.deadDimensionVariance})
  --outlier-z Z        flag a row as an outlier when the robust z-score of its norm,
                       |norm - median| / (1.4826 MAD), exceeds Z (default ${DEFAULT_THRESHOLDS.outlierZ})
  --projection-rows N  rows of the principal-component projection (--json key "projection"):
                       a uniform seeded sample of the finite rows (default ${DEFAULT_PROJECTION_ROWS}; 0: none)
  --projection-components I,J   the two components it is drawn on, 1-based, up to ${PROJECTION_COMPONENTS} (default 1,2)
  --umap               with --json: add "projection.umap", a seeded 2-D UMAP layout (umap-js) of the
                       projection's sample (at most ${DEFAULT_UMAP_PARAMETERS.maxRows} of its rows, on their ${UMAP_INPUT_COMPONENTS} leading
                       principal components; seed = --seed, n_neighbors ${DEFAULT_UMAP_PARAMETERS.neighbours}, min_dist ${DEFAULT_UMAP_PARAMETERS.minDist},
                       ${DEFAULT_UMAP_PARAMETERS.epochs} epochs). A visual aid: its distances and axes are not metric. Off by default
  --verbose            on an error, also print its technical detail (for bug reports)
  -h, --help           this text
  -v, --version        the version

Datasets (analyze with several PATHs, a folder, a glob or .embstats; stats; merge)
  Shards in natural order (part-2 before part-10); global row = shard offset + local row;
  every row of every shard is analysed (--max-rows does not apply). Same dimension required
  (exit 2 naming the shard and both dims); dtypes may differ. An unreadable shard is listed
  with its error and the report labelled incomplete. Names *-00003-of-00042.* with a number
  missing give the finding shard-missing. --json adds "shards" and "incomplete".
  --strict             exit 2 when a shard cannot be read
  -o, --out FILE       stats/merge: the .embstats file to write
  --seed S             seed of the shared row sample (default 0)
  --first-row N        stats: global index of the first row of these shards (default 0), when
                       the dataset's other parts are written by other "stats" runs
  --sample-rows K      stats: rows in the shared uniform sample (default 1024)
  --cache DIR          keep each shard's partial in DIR (keyed by path, size, modification
                       time): a shard unchanged since is not read again (analyze, stats)

Information estimates of analyze (arXiv 2601.11334; see docs/information.md)
  Computed by default when FILE's container holds a companion of the embeddings
  (embeddings_perturbed, targets, predictions, inputs, labels: a key of .npz,
  .safetensors or .pt, an HDF5 dataset, a Parquet/Arrow column) or a sidecar
  manifest (FILE's stem + .embeddings.json) exists; also when any option below
  or --information is given. --no-information turns them off. The report says
  where each input came from (array of which file, manifest, or flag).
  For a dataset (several files, a folder, a glob, .embstats) only with --information
  or a scalar option: the Gaussian figures from all finite rows' merged moments, the
  k-NN ones from the shared row sample (--max-rows, at most 10,000); no companions.
  --perturbed FILE     row-matched embeddings of perturbed inputs (Z~)
  --targets FILE       regression targets Y        --predictions FILE  model predictions Y^
  --inputs FILE        the inputs X                --labels FILE       class labels (for NC1)
  --label-column NAME  without labels: the row metadata column whose values are NC1's classes
                       (default: the label column picked by name and type, as for "rows")
  --perturbed-array NAME, --targets-array NAME, ...   the array inside each of those files
  --input-symbols n    input symbols per model use (e.g. 784 for 28x28 images)
  --bits b             storage bits per coordinate (default: from the dtype)
  --noise-std s        additive input noise level (with --input-power P)
  --input-power P      input power for the AWGN form
  --distortion D       target distortion (total squared error per row)
  --manifest FILE      read this manifest instead of the sidecar; --no-manifest: none

Options of regime (plus --array, --max-rows (default 20000), --seed, --json, --markdown)
  --latent H           latent width of the autoencoder (required)
  --init-std S | --init-var V | --init SCHEME
                       initialisation of W: its std, its variance, or one of
                       ${INIT_SCHEMES.join(', ')} (default torch-linear-default;
                       short names torch-linear, xavier, kaiming)
  --lr ETA             learning rate (required)
  --lr-convention C    gradient-flow (loss (1/2n)Σ‖WᵀWx−x‖², default) or torch-mse
                       (PyTorch MSELoss(reduction="mean"); η_GF = 2η/d)
  --steps K            number of full-batch gradient steps (required)
  --seeds N            seeds averaged in the simulation check (default 10)
  --no-simulate        skip the simulation check
  --held-out F         fraction of rows held out for the population loss (default 0.2)
  --rescale            rescale the data to tr(Σ)/d = 1 first

Exit codes
  0  analysed, no finding of severity error
  1  analysed, at least one finding of severity error (e.g. NaN or Inf rows);
     for regime: the learning rate makes training diverge
  2  bad input: missing or unreadable file, unsupported format, bad arguments
     (with --json, stdout holds {"error": {"code", "message"}}, plus "detail" with --verbose)
`;

/** --projection-components I,J: two distinct components among 1 … PROJECTION_COMPONENTS. */
function componentPair(value: string | undefined): [number, number] {
  if (value === undefined) return [1, 2];
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value);
  const [i, j] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(i >= 1 && j >= 1 && i <= PROJECTION_COMPONENTS && j <= PROJECTION_COMPONENTS && i !== j)) {
    throw new EmbdiagError('bad-argument', `--projection-components must be two different components between 1 and ${PROJECTION_COMPONENTS}, as I,J (got "${value}").`);
  }
  return [i, j];
}

function positiveInt(name: string, value: string | undefined, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
    throw new EmbdiagError('bad-argument', `${name} must be a whole number of at least ${min} (got "${value}").`);
  }
  return Number(value);
}

function nonNegative(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0) throw new EmbdiagError('bad-argument', `${name} must be a non-negative number (got "${value}").`);
  return x;
}

/** Parses argv (without node and script). Throws EmbdiagError 'bad-argument' with a helpful message. */
export function parseCliArguments(argv: string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        array: { type: 'string' }, 'max-rows': { type: 'string' }, seed: { type: 'string' },
        dtype: { type: 'string' }, dim: { type: 'string' },
        json: { type: 'boolean' }, markdown: { type: 'boolean' },
        'collapse-ratio': { type: 'string' }, 'dead-variance': { type: 'string' }, 'outlier-z': { type: 'string' },
        finding: { type: 'string' }, format: { type: 'string' },
        metadata: { type: 'boolean' }, 'label-column': { type: 'string' }, 'text-column': { type: 'string' }, neighbours: { type: 'string' },
        information: { type: 'boolean' }, 'no-information': { type: 'boolean' },
        perturbed: { type: 'string' }, targets: { type: 'string' }, predictions: { type: 'string' }, inputs: { type: 'string' }, labels: { type: 'string' },
        'perturbed-array': { type: 'string' }, 'targets-array': { type: 'string' }, 'predictions-array': { type: 'string' },
        'inputs-array': { type: 'string' }, 'labels-array': { type: 'string' },
        'input-symbols': { type: 'string' }, bits: { type: 'string' }, 'noise-std': { type: 'string' }, 'input-power': { type: 'string' },
        distortion: { type: 'string' }, manifest: { type: 'string' }, 'no-manifest': { type: 'boolean' },
        latent: { type: 'string' }, 'init-std': { type: 'string' }, 'init-var': { type: 'string' }, init: { type: 'string' },
        lr: { type: 'string' }, 'lr-convention': { type: 'string' }, steps: { type: 'string' }, seeds: { type: 'string' },
        'no-simulate': { type: 'boolean' }, 'held-out': { type: 'string' }, rescale: { type: 'boolean' },
        out: { type: 'string', short: 'o' }, strict: { type: 'boolean' }, 'first-row': { type: 'string' }, 'sample-rows': { type: 'string' }, cache: { type: 'string' },
        'projection-rows': { type: 'string' }, 'projection-components': { type: 'string' }, umap: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' }, verbose: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new EmbdiagError('bad-argument', `${(e as Error).message.replace(/\. To specify.*$/s, '.')} Run "embdiag --help" for usage.`);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return { kind: 'help' };
  if (v.version) return { kind: 'version' };
  const [command, file, ...extra] = positionals;
  if (command === undefined) return { kind: 'help' };
  if (command !== 'analyze' && command !== 'regime' && command !== 'rows' && command !== 'row' && command !== 'stats' && command !== 'merge') throw new EmbdiagError('bad-argument', `Unknown command "${command}". Run "embdiag --help" for usage.`);
  if (file === undefined) throw new EmbdiagError('bad-argument', `${command} needs a FILE, e.g. embdiag ${command} runs/emb.npy.`);
  if (command === 'stats' || command === 'merge') return datasetCommand(command, [file, ...extra], v);
  if (command === 'row') return { ...rowCommand(v, file, extra), raw: rawShape(v.dtype, v.dim) } as CliCommand;
  const metadataOnly = (['metadata', 'label-column', 'text-column', 'neighbours'] as const).find(k => v[k] !== undefined && !(k === 'label-column' && command === 'analyze'));
  if (metadataOnly && !(command === 'rows' && metadataOnly !== 'neighbours')) {
    throw new EmbdiagError('bad-argument', `--${metadataOnly} belongs to "embdiag ${metadataOnly === 'neighbours' ? 'row' : 'rows" and "row'}${metadataOnly === 'label-column' ? '" and "analyze' : ''}", not "${command}".`);
  }
  const raw = rawShape(v.dtype, v.dim);
  if (raw && extra.length) throw new EmbdiagError('bad-argument', '--dtype and --dim describe one headerless file; for a dataset of raw shards, give each its manifest (NAME.embeddings.json {"dtype": ..., "dim": ...}).');
  if (extra.length && (command === 'regime' || command === 'rows')) throw new EmbdiagError('bad-argument', `Unexpected argument "${extra[0]}": ${command} takes one FILE.`);
  const datasetOnly = (['out', 'first-row', 'sample-rows'] as const).find(k => v[k] !== undefined);
  if (datasetOnly) throw new EmbdiagError('bad-argument', `--${datasetOnly} belongs to "embdiag stats"${datasetOnly === 'out' ? ' and "merge"' : ''}, not "${command}".`);
  if (v.cache !== undefined && command === 'regime') throw new EmbdiagError('bad-argument', '--cache belongs to "embdiag analyze" and "stats", not "regime".');
  if (v.strict && command === 'regime') throw new EmbdiagError('bad-argument', '--strict belongs to "embdiag analyze", not "regime".');
  if (v.json && v.markdown) throw new EmbdiagError('bad-argument', '--json and --markdown cannot be combined.');
  const output: OutputMode = v.json ? 'json' : v.markdown ? 'markdown' : 'text';
  const regimeOnly = ['latent', 'init-std', 'init-var', 'init', 'lr', 'lr-convention', 'steps', 'seeds', 'no-simulate', 'held-out', 'rescale'] as const;
  const infoFiles = ['perturbed', 'targets', 'predictions', 'inputs', 'labels'] as const;
  const infoKeys = [...infoFiles, 'perturbed-array', 'targets-array', 'predictions-array', 'inputs-array', 'labels-array',
    'input-symbols', 'bits', 'noise-std', 'input-power', 'distortion', 'manifest', 'no-manifest', 'information', 'no-information', 'label-column'] as const;
  const analyzeOnly = ['collapse-ratio', 'dead-variance', 'projection-rows', 'projection-components', 'umap', ...infoKeys] as const;
  if (command === 'rows') return { ...rowsCommand(v, file), raw } as CliCommand;
  if (v.finding !== undefined || v.format !== undefined) throw new EmbdiagError('bad-argument', `--${v.finding !== undefined ? 'finding' : 'format'} belongs to "embdiag rows", not "${command}".`);
  if (command === 'analyze') {
    const stray = regimeOnly.find(k => v[k] !== undefined);
    if (stray) throw new EmbdiagError('bad-argument', `--${stray} belongs to "embdiag regime", not "analyze".`);
    if (v.umap && !v.json) throw new EmbdiagError('bad-argument', '--umap adds "projection.umap" to the --json report; give --json too.');
    if (v.information && v['no-information']) throw new EmbdiagError('bad-argument', '--information and --no-information cannot be combined.');
    const givenInfo = infoKeys.some(k => k !== 'no-information' && k !== 'no-manifest' && k !== 'manifest' && v[k] !== undefined);
    const optNum = (name: string, value: string | undefined) => (value === undefined ? undefined : positiveNumber(name, value));
    const informationFlags: InformationFlags = {
      perturbed: v.perturbed, targets: v.targets, predictions: v.predictions, inputs: v.inputs, labels: v.labels,
      arrays: {
        embeddings: v.array, perturbed: v['perturbed-array'], targets: v['targets-array'],
        predictions: v['predictions-array'], inputs: v['inputs-array'], labels: v['labels-array'],
      },
      inputSymbols: optNum('--input-symbols', v['input-symbols']),
      bitsPerCoordinate: optNum('--bits', v.bits),
      noiseStd: v['noise-std'] === undefined ? undefined : nonNegative('--noise-std', v['noise-std'], 0),
      inputPower: optNum('--input-power', v['input-power']),
      distortion: optNum('--distortion', v.distortion),
      manifest: v['no-manifest'] ? false : v.manifest,
      raw,
      ...(v['label-column'] !== undefined ? { labelColumn: v['label-column'] } : {}),
    };
    return {
      kind: 'analyze', file, files: [file, ...extra], cacheDir: v.cache, strict: !!v.strict, arrayName: v.array, raw, output,
      information: v['no-information'] ? false : (givenInfo || v.manifest !== undefined) ? true : 'auto',
      informationFlags,
      maxRows: positiveInt('--max-rows', v['max-rows'], 2, 100_000),
      seed: positiveInt('--seed', v.seed, 0, 0),
      projectionRows: positiveInt('--projection-rows', v['projection-rows'], 0, DEFAULT_PROJECTION_ROWS),
      projectionComponents: componentPair(v['projection-components']),
      umap: !!v.umap,
      thresholds: {
        ...DEFAULT_THRESHOLDS,
        collapseRatio: nonNegative('--collapse-ratio', v['collapse-ratio'], DEFAULT_THRESHOLDS.collapseRatio),
        deadDimensionVariance: nonNegative('--dead-variance', v['dead-variance'], DEFAULT_THRESHOLDS.deadDimensionVariance),
        outlierZ: v['outlier-z'] === undefined ? DEFAULT_THRESHOLDS.outlierZ : positiveNumber('--outlier-z', v['outlier-z']),
      },
    };
  }
  const stray = [...analyzeOnly, 'outlier-z' as const].find(k => v[k] !== undefined);
  if (stray) throw new EmbdiagError('bad-argument', `--${stray} belongs to "embdiag analyze", not "regime".`);
  for (const required of ['latent', 'lr', 'steps'] as const) {
    if (v[required] === undefined) throw new EmbdiagError('bad-argument', `regime needs --${required}. Run "embdiag --help" for usage.`);
  }
  const inits = (['init-std', 'init-var', 'init'] as const).filter(k => v[k] !== undefined);
  if (inits.length > 1) throw new EmbdiagError('bad-argument', `Give one of --init-std, --init-var, --init (got ${inits.map(k => `--${k}`).join(' and ')}).`);
  let init: InitSpec = { scheme: 'torch-linear-default' };
  if (v['init-std'] !== undefined) init = { sigma: positiveNumber('--init-std', v['init-std']!) };
  else if (v['init-var'] !== undefined) init = { sigma2: positiveNumber('--init-var', v['init-var']!) };
  else if (v.init !== undefined) {
    // short names people type: torch-linear (nn.Linear's default), xavier, kaiming
    const alias: Record<string, InitScheme> = { 'torch-linear': 'torch-linear-default', xavier: 'xavier-normal', kaiming: 'kaiming-normal' };
    const scheme = alias[v.init] ?? v.init;
    if (!(INIT_SCHEMES as readonly string[]).includes(scheme)) throw new EmbdiagError('bad-argument', `--init must be one of ${INIT_SCHEMES.join(', ')} (or torch-linear, xavier, kaiming; got "${v.init}").`);
    init = { scheme: scheme as InitScheme };
  }
  const convention = v['lr-convention'] ?? 'gradient-flow';
  if (convention !== 'gradient-flow' && convention !== 'torch-mse') throw new EmbdiagError('bad-argument', `--lr-convention must be gradient-flow or torch-mse (got "${convention}").`);
  const heldOut = nonNegative('--held-out', v['held-out'], 0.2);
  if (heldOut >= 1) throw new EmbdiagError('bad-argument', `--held-out must be below 1 (got ${heldOut}).`);
  return {
    kind: 'regime', file, arrayName: v.array, raw, output,
    maxRows: positiveInt('--max-rows', v['max-rows'], 2, 20_000),
    seed: positiveInt('--seed', v.seed, 0, 0),
    config: {
      latentWidth: positiveInt('--latent', v.latent, 1, 0),
      init,
      learningRate: positiveNumber('--lr', v.lr!),
      learningRateConvention: convention === 'torch-mse' ? 'torch-mse-mean' : 'gradient-flow',
      steps: positiveInt('--steps', v.steps, 1, 0),
      seeds: positiveInt('--seeds', v.seeds, 1, 10),
      simulate: !v['no-simulate'],
      heldOutFraction: heldOut,
      splitSeed: positiveInt('--seed', v.seed, 0, 0),
      rescale: !!v.rescale,
    },
  };
}

/** `embdiag rows FILE --finding CODE [--format csv|jsonl]`: its own few options, with analyze's row selection. */
function rowsCommand(v: Record<string, string | boolean | undefined>, file: string): CliCommand {
  const allowed = new Set(['array', 'dtype', 'dim', 'max-rows', 'seed', 'finding', 'format', 'outlier-z', 'json', 'verbose', 'metadata', 'label-column', 'text-column']);
  const stray = Object.keys(v).find(k => v[k] !== undefined && !allowed.has(k));
  if (stray) throw new EmbdiagError('bad-argument', `--${stray} does not apply to "embdiag rows".`);
  const finding = v.finding;
  if (typeof finding !== 'string') throw new EmbdiagError('bad-argument', `rows needs --finding CODE, one of ${ROW_FINDINGS.join(', ')}.`);
  if (!(ROW_FINDINGS as readonly string[]).includes(finding)) throw new EmbdiagError('bad-argument', `--finding must be one of ${ROW_FINDINGS.join(', ')} (got "${finding}").`);
  const format = v.format ?? 'csv';
  if (format !== 'csv' && format !== 'jsonl') throw new EmbdiagError('bad-argument', `--format must be csv or jsonl (got "${String(format)}").`);
  const str = (k: string) => (typeof v[k] === 'string' ? v[k] as string : undefined);
  return {
    kind: 'rows', file, arrayName: str('array'), finding: finding as RowFindingCode, format,
    maxRows: positiveInt('--max-rows', str('max-rows'), 2, 100_000),
    seed: positiveInt('--seed', str('seed'), 0, 0),
    outlierZ: str('outlier-z') === undefined ? DEFAULT_THRESHOLDS.outlierZ : positiveNumber('--outlier-z', str('outlier-z')!),
    metadata: !!v.metadata || str('label-column') !== undefined || str('text-column') !== undefined, labelColumn: str('label-column'), textColumn: str('text-column'),
  };
}

/** `embdiag row FILE INDEX [--json]`: the row view of one row. */
function rowCommand(v: Record<string, string | boolean | undefined>, file: string, extra: string[]): CliCommand {
  const allowed = new Set(['array', 'dtype', 'dim', 'max-rows', 'seed', 'json', 'verbose', 'label-column', 'text-column', 'neighbours']);
  const stray = Object.keys(v).find(k => v[k] !== undefined && !allowed.has(k));
  if (stray) throw new EmbdiagError('bad-argument', `--${stray} does not apply to "embdiag row".`);
  if (extra.length !== 1) throw new EmbdiagError('bad-argument', extra.length ? `Unexpected argument "${extra[1]}": row takes one FILE and one INDEX.` : 'row needs an INDEX after the FILE, e.g. embdiag row runs/emb.npy 42.');
  const str = (k: string) => (typeof v[k] === 'string' ? v[k] as string : undefined);
  return {
    kind: 'row', file, row: positiveInt('INDEX', extra[0], 0, 0), arrayName: str('array'), json: !!v.json,
    sampleRows: positiveInt('--max-rows', str('max-rows'), 2, 10_000),
    seed: positiveInt('--seed', str('seed'), 0, 0),
    neighbours: positiveInt('--neighbours', str('neighbours'), 1, 10),
    labelColumn: str('label-column'), textColumn: str('text-column'),
  };
}

type ParsedValues = ReturnType<typeof parseArgs<{ options: Record<string, { type: 'string' | 'boolean'; short?: string }> }>>['values'];

function datasetCommand(command: 'stats' | 'merge', files: string[], v: ParsedValues): CliCommand {
  const out = v.out;
  if (typeof out !== 'string') throw new EmbdiagError('bad-argument', `${command} needs -o OUT.embstats, the file to write.`);
  if (!out.endsWith('.embstats')) throw new EmbdiagError('bad-argument', `-o must name an .embstats file (got "${out}").`);
  const allowed = command === 'stats' ? ['out', 'array', 'seed', 'first-row', 'sample-rows', 'cache', 'json', 'verbose'] : ['out', 'json', 'verbose'];
  const stray = Object.keys(v).find(k => v[k] !== undefined && !allowed.includes(k));
  if (stray) throw new EmbdiagError('bad-argument', `--${stray} does not apply to "embdiag ${command}".`);
  if (command === 'merge') return { kind: 'merge', files, out, json: !!v.json };
  return {
    kind: 'stats', files, out, arrayName: v.array as string | undefined, json: !!v.json, cacheDir: v.cache as string | undefined,
    seed: positiveInt('--seed', v.seed as string | undefined, 0, 0),
    firstRow: positiveInt('--first-row', v['first-row'] as string | undefined, 0, 0),
    sampleRows: positiveInt('--sample-rows', v['sample-rows'] as string | undefined, 0, 1024),
  };
}

/** --dtype and --dim, checked (undefined when neither is given). */
function rawShape(dtype: string | boolean | undefined, dim: string | boolean | undefined): RawShape | undefined {
  if (dtype === undefined && dim === undefined) return undefined;
  if (typeof dtype === 'string' && !parseRawDType(dtype)) throw new EmbdiagError('bad-argument', `--dtype must be ${RAW_DTYPE_HELP} (got "${dtype}").`);
  return { dtype: dtype as string | undefined, dim: dim === undefined ? undefined : positiveInt('--dim', dim as string, 1, 1) };
}

function positiveNumber(name: string, value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x <= 0) throw new EmbdiagError('bad-argument', `${name} must be a positive number (got "${value}").`);
  return x;
}

/** True when argv asks for JSON, so even an argument error is reported as JSON. */
export function wantsJson(argv: string[]): boolean {
  return argv.includes('--json');
}

/** --verbose: an error also shows its technical detail (the JavaScript exception and stack), for bug reports. */
export function wantsVerbose(argv: string[]): boolean {
  return argv.includes('--verbose');
}
