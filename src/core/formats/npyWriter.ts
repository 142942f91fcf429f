/**
 * Writes a float64 array as .npy (format 1.0, '<f8', C order), the header padded to a multiple
 * of 64 bytes and ended by a newline as numpy writes it: np.load reads it back as is.
 */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

export function npyFloat64Bytes(shape: readonly number[], data: Float64Array): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`npyFloat64Bytes: shape ${shape.join('×')} holds ${count} values, not ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeText}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const at = 10 + header.length;
  if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
  else {
    const view = new DataView(out.buffer, at);
    for (let i = 0; i < data.length; i++) view.setFloat64(8 * i, data[i], true);
  }
  return out;
}
