import { EmbdiagError } from '../errors';

/**
 * What JSON Lines records and embedding-API responses share: where the vector is in a record
 * (a field found by name, or a dot path) and how it is written (a JSON array of numbers, or the
 * base64 of little-endian float32 bytes that `encoding_format="base64"` returns).
 */

/** Field names tried in order when no path is given. */
export const VECTOR_FIELD_NAMES = ['embedding', 'embeddings', 'vector', 'emb'] as const;

/** The path that names the record itself (a line holding a bare array). */
export const WHOLE_RECORD = '.';

export type VectorEncoding = 'numbers' | 'base64';

/** The value at a dot path (`a.b.0.c`; array items by index); undefined when absent. */
export function valueAtPath(record: unknown, path: string): unknown {
  if (path === WHOLE_RECORD) return record;
  let value = record;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    if (Array.isArray(value)) {
      if (!/^\d+$/.test(key)) return undefined;
      value = value[Number(key)];
    } else {
      if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
  }
  return value;
}

/** The first of VECTOR_FIELD_NAMES the record holds as an array or a string; a bare array is the record itself. */
export function findVectorField(record: unknown): string | undefined {
  if (Array.isArray(record)) return WHOLE_RECORD;
  if (record === null || typeof record !== 'object') return undefined;
  return VECTOR_FIELD_NAMES.find(name => {
    const v = (record as Record<string, unknown>)[name];
    return Object.prototype.hasOwnProperty.call(record, name) && (Array.isArray(v) || typeof v === 'string');
  });
}

/** How the vector at `path` of the first record is written, and its length. `where` names the record ("line 3"). */
export function describeVector(sourceName: string, where: string, path: string, value: unknown): { encoding: VectorEncoding; dim: number } {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new EmbdiagError('bad-shape', `${sourceName}: ${where}: '${path}' is an empty array.`, 'Every record needs a non-empty vector.');
    return { encoding: 'numbers', dim: value.length };
  }
  if (typeof value === 'string') {
    const bytes = decodeBase64(sourceName, where, path, value);
    if (bytes.length === 0 || bytes.length % 4 !== 0) {
      throw new EmbdiagError('bad-shape', `${sourceName}: ${where}: '${path}' decodes to ${bytes.length} bytes, not a whole number of float32 values.`,
        'A base64 embedding holds little-endian float32 bytes (encoding_format="base64").');
    }
    return { encoding: 'base64', dim: bytes.length / 4 };
  }
  throw new EmbdiagError('bad-text', `${sourceName}: ${where}: '${path}' holds ${jsonKind(value)}, not a vector (an array of numbers or a base64 string).`,
    'Name the field with the vector with --array (a dot path, e.g. response.embedding).');
}

/** Writes the vector `value` into out[at .. at + dim), refusing anything but `dim` numbers in the first record's encoding. */
export function decodeVector(sourceName: string, where: string, path: string, value: unknown, encoding: VectorEncoding, dim: number, out: Float64Array, at: number): void {
  if (value === undefined) {
    throw new EmbdiagError('bad-text', `${sourceName}: ${where} has no '${path}' field, which the first record has.`, 'Every record must hold its vector in the same field.');
  }
  if (encoding === 'numbers') {
    if (!Array.isArray(value)) throw mixed(sourceName, where, path, value, encoding);
    if (value.length !== dim) throw ragged(sourceName, where, path, value.length, dim);
    for (let i = 0; i < dim; i++) {
      const v = value[i];
      if (typeof v !== 'number') {
        // a nested value is named, not printed: printing a hostile 20,000-deep array overflows the stack
        const shown = v === null || typeof v === 'object' ? jsonKind(v) : JSON.stringify(v) ?? String(v);
        throw new EmbdiagError('bad-text', `${sourceName}: ${where}: element ${i} of '${path}' is ${shown.length > 40 ? shown.slice(0, 40) + '…' : shown}, not a number.`,
          'Every element of a vector must be a number.');
      }
      out[at + i] = v;
    }
    return;
  }
  if (typeof value !== 'string') throw mixed(sourceName, where, path, value, encoding);
  const bytes = decodeBase64(sourceName, where, path, value);
  if (bytes.length !== dim * 4) throw ragged(sourceName, where, path, bytes.length / 4, dim);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < dim; i++) out[at + i] = view.getFloat32(4 * i, true);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBase64(sourceName: string, where: string, path: string, text: string): Uint8Array {
  if (!BASE64.test(text)) {
    throw new EmbdiagError('bad-text', `${sourceName}: ${where}: '${path}' is a string but not base64 (${JSON.stringify(text.slice(0, 24))}${text.length > 24 ? '…' : ''}).`,
      'A vector is an array of numbers, or the base64 of little-endian float32 bytes.');
  }
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function ragged(sourceName: string, where: string, path: string, length: number, dim: number): EmbdiagError {
  return new EmbdiagError('bad-shape', `${sourceName}: ${where}: '${path}' has ${length} values, but the first record's has ${dim}.`,
    'All vectors must have the same dimension (mixed models or truncated records?).');
}

function mixed(sourceName: string, where: string, path: string, value: unknown, encoding: VectorEncoding): EmbdiagError {
  return new EmbdiagError('bad-text', `${sourceName}: ${where}: '${path}' holds ${jsonKind(value)}, but the first record's vector is ${encoding === 'numbers' ? 'an array of numbers' : 'a base64 string'}.`,
    'All records must write their vectors the same way.');
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    case 'object': return 'an object';
    default: return 'nothing';
  }
}
