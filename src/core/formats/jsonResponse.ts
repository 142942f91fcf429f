import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ValueColumn } from './dumpFile';
import { checkRowRange } from './npy';
import { decodeVector, describeVector, findVectorField, valueAtPath, VECTOR_FIELD_NAMES } from './jsonVectors';

/**
 * A single JSON document is parsed whole; an API response is a few MB at most. Anything larger
 * is refused (JSON Lines is the streamed form).
 */
const MAX_JSON_BYTES = 256 << 20;
/** Bytes of the start of a .json file looked at to tell an embedding response from any other JSON. */
export const RESPONSE_SNIFF_BYTES = 4096;

/**
 * True when the start of a JSON text looks like an embedding-API response: an object whose
 * `data` member opens a list of objects with an `embedding` member (OpenAI's shape; other JSON,
 * such as our *.embeddings.json manifests, is not a dump).
 */
export function looksLikeEmbeddingResponse(head: Uint8Array): boolean {
  const text = new TextDecoder('utf-8').decode(head);
  return /^\uFEFF?\s*\{/.test(text) && /"data"\s*:\s*\[\s*\{/.test(text) && /"embedding"\s*:/.test(text);
}

/**
 * The embedding-API response `{"data": [{"embedding": [...], "index": 0}, …], "model": …}` in a
 * .json file. Rows follow `index` when the items carry a permutation of 0..n-1 (the API's order),
 * else the file's order. A dot path given as the array name is looked up in each item.
 */
export async function openJsonResponse(source: ByteSource): Promise<DumpFile> {
  if (source.size > MAX_JSON_BYTES) {
    throw new EmbdiagError('too-large', `${source.name}: ${source.size} bytes is more than the ${MAX_JSON_BYTES >> 20} MiB read whole for a JSON document.`,
      'Save the embeddings as JSON Lines (.jsonl, one record per line), which is read streamed.');
  }
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8').decode(await source.read(0, source.size)));
  } catch (e) {
    if (e instanceof EmbdiagError) throw e;
    throw new EmbdiagError('bad-text', `${source.name}: not valid JSON.`, 'The file may be truncated or not JSON at all.');
  }
  const items = (document !== null && typeof document === 'object' && !Array.isArray(document)) ? (document as Record<string, unknown>).data : undefined;
  if (!Array.isArray(items) || items.length === 0 || !items.every(item => item !== null && typeof item === 'object' && !Array.isArray(item))) {
    throw new EmbdiagError('bad-text', `${source.name}: not an embedding response: it needs a "data" list of objects, each with an "embedding".`,
      'The shape read is the one of embedding APIs: {"data": [{"embedding": [...], "index": 0}, ...]}.');
  }
  const records = items as Record<string, unknown>[];
  const order = apiOrder(records);
  const field = findVectorField(records[0]);
  const model = typeof (document as Record<string, unknown>).model === 'string' ? String((document as Record<string, unknown>).model) : undefined;
  const notes = model ? [`Embedding response of model ${JSON.stringify(model.slice(0, 80))}.`] : [];
  if (!order) notes.push('The items carry no "index" permutation: rows are in the file\'s order.');
  const matrixOf = (path: string): JsonResponseMatrix => {
    const where = (i: number) => `data[${i}]`;
    const layout = describeVector(source.name, where(0), path, valueAtPath(records[0], path));
    const values = new Float64Array(records.length * layout.dim);
    records.forEach((item, i) => {
      const row = order ? order[i] : i;
      decodeVector(source.name, where(i), path, valueAtPath(item, path), layout.encoding, layout.dim, values, row * layout.dim);
    });
    return new JsonResponseMatrix(source.name, path, layout.encoding === 'base64' ? 'float32' : 'float64', records.length, layout.dim, values, notes.slice());
  };
  const listed: ArrayInfo[] = [];
  let chosen: JsonResponseMatrix | undefined;
  if (field !== undefined) {
    chosen = matrixOf(field);
    listed.push({ name: field, dtype: chosen.dtype, shape: [chosen.rows, chosen.dim], analysable: true });
  }
  return {
    format: 'json',
    arrays: listed,
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const path = requested ?? field;
      if (path === undefined) {
        throw new EmbdiagError('no-array', `${source.name}: data[0] has none of the fields ${VECTOR_FIELD_NAMES.map(n => `'${n}'`).join(', ')} holding a vector.`,
          'Name the field of each item with --array (a dot path).');
      }
      if (path === field && chosen) return chosen;
      if (valueAtPath(records[0], path) === undefined) {
        throw new EmbdiagError('array-not-found', `${source.name}: data[0] has no field '${path}'.`, `Give a dot path inside each item of "data" (e.g. ${field ?? 'embedding'}).`);
      }
      return matrixOf(path);
    },
    /** The items' other fields holding a string or a number (an id, a text some tools add), by row; not the API's `index` and `object`. */
    async valueColumns(): Promise<ValueColumn[]> {
      const itemOfRow = new Array<number>(records.length);
      records.forEach((_, i) => { itemOfRow[order ? order[i] : i] = i; });
      return Object.entries(records[0])
        .filter(([key, v]) => key !== field && key !== 'index' && key !== 'object' && (typeof v === 'string' || typeof v === 'number'))
        .map(([key, v]) => ({
          name: key, kind: typeof v === 'string' ? 'string' : Number.isInteger(v) ? 'integer' : 'float', rows: records.length,
          read: async rows => rows.map(r => {
            const x = records[itemOfRow[r]]?.[key];
            return typeof x === 'string' || typeof x === 'number' ? x : null;
          }),
        }));
    },
  };
}

/** row of each item when every item has a distinct integer `index` in 0..n-1, else undefined. */
function apiOrder(items: Record<string, unknown>[]): number[] | undefined {
  const seen = new Uint8Array(items.length);
  const order: number[] = [];
  for (const item of items) {
    const index = item.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= items.length || seen[index]) return undefined;
    seen[index] = 1;
    order.push(index);
  }
  return order;
}

class JsonResponseMatrix implements EmbeddingMatrix {
  readonly shape: readonly number[];

  constructor(private readonly sourceName: string, readonly name: string, readonly dtype: string, readonly rows: number, readonly dim: number,
    private readonly values: Float64Array, readonly notes: string[]) {
    this.shape = [rows, dim];
    if (dtype === 'float32') notes.push(`'${name}' holds base64-encoded little-endian float32 vectors.`);
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.sourceName, this.name, this.rows, start, count);
    return this.values.slice(start * this.dim, (start + count) * this.dim);
  }
}
