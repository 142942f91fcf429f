import { parseArgs } from 'node:util';
import { EmbdiagError } from '../core/errors';
import { DEFAULT_THRESHOLDS, type FindingThresholds } from '../core/analysis/findings';

export type OutputMode = 'text' | 'json' | 'markdown';

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'analyze'; file: string; arrayName?: string; maxRows: number; seed: number; output: OutputMode; thresholds: FindingThresholds };

export const HELP = `embdiag — look inside saved embedding dumps, without Python

Usage
  embdiag analyze FILE [options]
  embdiag --help | --version

Formats
  .npy (v1–v3, every numeric dtype, both byte orders, C/Fortran order)
  .npz (stored or deflated, ZIP64)   .safetensors (incl. F16/BF16)
  .fvecs .bvecs   .tsv (TensorBoard projector, + metadata.tsv check)   .csv (header optional)

Options
  --array NAME         array inside an .npz/.safetensors (default: embeddings, emb,
                       features, x, else the largest 2-D float array)
  --max-rows N         analyse at most N rows; larger arrays are analysed on a
                       uniform random sample of N rows (default 100000)
  --seed S             seed of that sample (default 0)
  --json               machine-readable report (schema: README, "CLI")
  --markdown           Markdown report (for CI summaries and pull requests)
  --collapse-ratio R   flag a collapsed spectrum below effective rank / dim = R (default ${DEFAULT_THRESHOLDS.collapseRatio})
  --dead-variance V    a dimension with variance <= V is dead (default ${DEFAULT_THRESHOLDS.deadDimensionVariance})
  -h, --help           this text
  -v, --version        the version

Exit codes
  0  analysed, no finding of severity error
  1  analysed, at least one finding of severity error (e.g. NaN or Inf rows)
  2  bad input: missing or unreadable file, unsupported format, bad arguments
     (with --json, stdout holds {"error": {"code", "message"}})
`;

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
        json: { type: 'boolean' }, markdown: { type: 'boolean' },
        'collapse-ratio': { type: 'string' }, 'dead-variance': { type: 'string' },
        help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' },
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
  if (command !== 'analyze') throw new EmbdiagError('bad-argument', `Unknown command "${command}". Run "embdiag --help" for usage.`);
  if (file === undefined) throw new EmbdiagError('bad-argument', 'analyze needs a FILE, e.g. embdiag analyze runs/emb.npy.');
  if (extra.length) throw new EmbdiagError('bad-argument', `Unexpected argument "${extra[0]}": analyze takes one FILE.`);
  if (v.json && v.markdown) throw new EmbdiagError('bad-argument', '--json and --markdown cannot be combined.');
  const collapse = nonNegative('--collapse-ratio', v['collapse-ratio'], DEFAULT_THRESHOLDS.collapseRatio);
  return {
    kind: 'analyze',
    file,
    arrayName: v.array,
    maxRows: positiveInt('--max-rows', v['max-rows'], 2, 100_000),
    seed: positiveInt('--seed', v.seed, 0, 0),
    output: v.json ? 'json' : v.markdown ? 'markdown' : 'text',
    thresholds: {
      ...DEFAULT_THRESHOLDS,
      collapseRatio: collapse,
      deadDimensionVariance: nonNegative('--dead-variance', v['dead-variance'], DEFAULT_THRESHOLDS.deadDimensionVariance),
    },
  };
}

/** True when argv asks for JSON, so even an argument error is reported as JSON. */
export function wantsJson(argv: string[]): boolean {
  return argv.includes('--json');
}
