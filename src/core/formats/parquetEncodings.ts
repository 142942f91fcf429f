/**
 * Parquet's encodings below the page: the RLE / bit-packed hybrid (levels, dictionary indices)
 * and Snappy, bounds-checked, for the page reader (parquetPages.ts).
 */

/** Damage inside a page's encoded streams (the page reader names the page). */
export class PageDamage extends Error {}

// ---- RLE / bit-packed hybrid ------------------------------------------------------------------

/**
 * Decodes `n` values of `width` bits from the hybrid stream in b[at, end) into out[0, n). Runs
 * longer than the values that remain are cut at n; a stream that ends early is damage.
 */
export function decodeHybrid(b: Uint8Array, at: number, end: number, width: number, n: number, out: Uint8Array | Uint32Array): void {
  if (width > 32) throw new PageDamage(`a level or index stream is ${width} bits wide`);
  const valueBytes = (width + 7) >> 3;
  const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
  let i = 0;
  while (i < n) {
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= end) throw new PageDamage('a level or index stream ends early');
      if (shift > 35) throw new PageDamage('a level or index stream holds an overlong run header');
      const x = b[at++];
      header += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) break;
    }
    if (header % 2 === 0) {
      const run = Math.min(header / 2, n - i);
      if (at + valueBytes > end) throw new PageDamage('a level or index stream ends early');
      let v = 0;
      for (let k = 0; k < valueBytes; k++) v += b[at + k] * 2 ** (8 * k);
      at += valueBytes;
      out.fill(v, i, i + run);
      i += run;
    } else {
      const groups = (header - 1) / 2;
      const values = Math.min(groups * 8, n - i);
      const bytes = groups * width;
      // The last group may be cut short at the end of the stream (writers pad it; be lenient only there).
      const available = Math.min(bytes, end - at);
      if (Math.ceil((values * width) / 8) > available) throw new PageDamage('a level or index stream ends early');
      if (width === 0) {
        out.fill(0, i, i + values);
      } else if (width <= 25) {
        // a 32-bit little-endian window holds the value at any bit offset (bytes past the end read as 0)
        for (let k = 0; k < values; k++) {
          const bit = k * width;
          const j = at + (bit >> 3);
          const word = b[j] | (b[j + 1] << 8) | (b[j + 2] << 16) | (b[j + 3] << 24);
          out[i + k] = (word >>> (bit & 7)) & mask;
        }
      } else {
        let bitPos = 0;
        for (let k = 0; k < values; k++) {
          let v = 0;
          let got = 0;
          while (got < width) {
            const byteIndex = at + (bitPos >> 3);
            const bit = bitPos & 7;
            const take = Math.min(8 - bit, width - got);
            v += ((b[byteIndex] >> bit) & ((1 << take) - 1)) * 2 ** got;
            got += take;
            bitPos += take;
          }
          out[i + k] = v & mask;
        }
      }
      at += available;
      i += values;
    }
  }
}

export const bitWidth = (max: number): number => (max ? 32 - Math.clz32(max) : 0);

/**
 * Levels as runs of equal values: a page of embeddings is a few runs per row (a row start, then
 * dim - 1 continuations; every definition level at its maximum), so checks walk runs, not entries.
 */
export class Levels {
  private expanded: Uint8Array | undefined;
  constructor(readonly values: Uint8Array, readonly lengths: Uint32Array, readonly runs: number, readonly n: number) {}

  max(): number {
    let m = 0;
    for (let i = 0; i < this.runs; i++) if (this.values[i] > m) m = this.values[i];
    return m;
  }

  count(value: number): number {
    let c = 0;
    for (let i = 0; i < this.runs; i++) if (this.values[i] === value) c += this.lengths[i];
    return c;
  }

  /** One level per entry. */
  expand(): Uint8Array {
    if (!this.expanded) {
      const out = new Uint8Array(this.n);
      for (let i = 0, at = 0; i < this.runs; at += this.lengths[i], i++) out.fill(this.values[i], at, at + this.lengths[i]);
      this.expanded = out;
    }
    return this.expanded;
  }
}

/** Decodes `n` levels of `width` bits (at most 8) from the hybrid stream in b[at, end), as runs. */
export function decodeLevels(b: Uint8Array, at: number, end: number, width: number, n: number): Levels {
  if (width > 8) throw new PageDamage(`a level stream is ${width} bits wide`);
  let capacity = Math.min(n, 1024) || 1;
  let values = new Uint8Array(capacity);
  let lengths = new Uint32Array(capacity);
  let runs = 0;
  const push = (v: number, length: number) => {
    if (runs && values[runs - 1] === v) { lengths[runs - 1] += length; return; }
    if (runs === capacity) {
      capacity = Math.min(n, capacity * 2);
      const v2 = new Uint8Array(capacity); v2.set(values); values = v2;
      const l2 = new Uint32Array(capacity); l2.set(lengths); lengths = l2;
    }
    values[runs] = v;
    lengths[runs++] = length;
  };
  const mask = (1 << width) - 1;
  let i = 0;
  while (i < n) {
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= end) throw new PageDamage('a level stream ends early');
      if (shift > 35) throw new PageDamage('a level stream holds an overlong run header');
      const x = b[at++];
      header += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) break;
    }
    if (header % 2 === 0) {
      const run = Math.min(header / 2, n - i);
      if (width && at >= end) throw new PageDamage('a level stream ends early');
      const v = width ? b[at++] & mask : 0;
      if (run) push(v, run);
      i += run;
    } else {
      const groups = (header - 1) / 2;
      const count = Math.min(groups * 8, n - i);
      const available = Math.min(groups * width, end - at);
      if (Math.ceil((count * width) / 8) > available) throw new PageDamage('a level stream ends early');
      for (let k = 0; k < count; k++) {
        const bit = k * width;
        const byte = at + (bit >> 3);
        let v = b[byte] >> (bit & 7);
        if ((bit & 7) + width > 8) v |= b[byte + 1] << (8 - (bit & 7));
        push(v & mask, 1);
      }
      at += available;
      i += count;
    }
  }
  return new Levels(values, lengths, runs, n);
}

/**
 * Snappy, bounds-checked, with literals and copies as block moves (hyparquet's decoder moves byte
 * by byte: the slowest step when reading a pandas file, whose default codec this is).
 */
export function snappyUncompress(input: Uint8Array, out: Uint8Array): void {
  let pos = 0;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= input.length || shift > 35) throw new Error('snappy: bad length header');
    const c = input[pos++];
    declared += (c & 0x7f) * 2 ** shift;
    if (!(c & 0x80)) break;
  }
  if (declared !== out.length) throw new Error(`snappy: the data declares ${declared} bytes, the page ${out.length}`);
  let o = 0;
  while (pos < input.length) {
    const c = input[pos++];
    const type = c & 3;
    if (type === 0) {
      let n = c >>> 2;
      if (n >= 60) {
        const extra = n - 59;
        if (pos + extra > input.length) throw new Error('snappy: truncated literal length');
        n = 0;
        for (let k = 0; k < extra; k++) n += input[pos + k] * 2 ** (8 * k);
        pos += extra;
      }
      n += 1;
      if (pos + n > input.length || o + n > out.length) throw new Error('snappy: a literal runs past its bounds');
      if (n < 16) for (let k = 0; k < n; k++) out[o + k] = input[pos + k];
      else out.set(input.subarray(pos, pos + n), o);
      pos += n;
      o += n;
      continue;
    }
    let length: number;
    let offset: number;
    if (type === 1) {
      if (pos >= input.length) throw new Error('snappy: truncated copy');
      length = ((c >>> 2) & 7) + 4;
      offset = ((c >>> 5) << 8) | input[pos++];
    } else if (type === 2) {
      if (pos + 2 > input.length) throw new Error('snappy: truncated copy');
      length = (c >>> 2) + 1;
      offset = input[pos] | (input[pos + 1] << 8);
      pos += 2;
    } else {
      if (pos + 4 > input.length) throw new Error('snappy: truncated copy');
      length = (c >>> 2) + 1;
      offset = (input[pos] | (input[pos + 1] << 8) | (input[pos + 2] << 16) | (input[pos + 3] << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > o || o + length > out.length) throw new Error('snappy: a copy runs past its bounds');
    if (offset >= length) out.copyWithin(o, o - offset, o - offset + length);
    else for (let k = 0; k < length; k++) out[o + k] = out[o + k - offset];
    o += length;
  }
  if (o !== out.length) throw new Error(`snappy: the data holds ${o} bytes, not ${out.length}`);
}
