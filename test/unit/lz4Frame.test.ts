import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLz4Frames, Lz4Error, xxh32 } from '../../src/core/formats/lz4Frame';

/**
 * The LZ4 frame decoder on frames built here byte by byte from the format's description
 * (lz4_Frame_format.md, lz4_Block_format.md): the cases the lz4 tool's fixtures (formats.arrowCompressed)
 * may not reach: stored blocks, overlapping matches, skippable frames, and each damage refused.
 */

const ascii = (s: string) => new TextEncoder().encode(s);
const le32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];

/** A frame: FLG (version 1 | extra flags), BD (64 KB blocks), optional content size, blocks, end mark, optional content checksum. */
function frame(blocks: { data: number[]; stored?: boolean }[], o: { flags?: number; size?: number; content?: Uint8Array } = {}): Uint8Array {
  const descriptor = [0x40 | (o.flags ?? 0) | (o.size !== undefined ? 8 : 0) | (o.content ? 4 : 0), 0x40];
  if (o.size !== undefined) descriptor.push(...le32(o.size), 0, 0, 0, 0);
  const hc = (xxh32(Uint8Array.from(descriptor)) >>> 8) & 255;
  const body = blocks.flatMap(b => [...le32(b.data.length | (b.stored ? 0x80000000 : 0)), ...b.data]);
  return Uint8Array.from([...le32(0x184d2204), ...descriptor, hc, ...body, 0, 0, 0, 0, ...(o.content ? le32(xxh32(o.content)) : [])]);
}

test('xxh32: the reference value of the empty input (xxHash specification)', () => {
  assert.equal(xxh32(new Uint8Array(0)), 0x02cc5d05);
});

test('a stored block, a compressed block with an overlapping match, and the content checksum', () => {
  // block 2: token 0x13 = 1 literal 'x', match of 3 + 4 = 7 bytes at offset 1 ('xxxxxxx'), then a last literal 'y'
  const content = ascii('hello' + 'x'.repeat(8) + 'y');
  const bytes = frame([{ data: [...ascii('hello')], stored: true }, { data: [0x13, 0x78, 1, 0, 0x10, 0x79] }], { size: content.length, content });
  assert.deepEqual(decodeLz4Frames(bytes, content.length), content);
  // linked blocks (the default): a match may refer back into the previous block
  const linked = frame([{ data: [...ascii('abcd')], stored: true }, { data: [0x00, 4, 0, 0x10, 0x7a] }]);
  assert.deepEqual(decodeLz4Frames(linked, 9), ascii('abcdabcdz'));
  // independent blocks (FLG bit 5): the same match is damage
  const independent = frame([{ data: [...ascii('abcd')], stored: true }, { data: [0x00, 4, 0, 0x10, 0x7a] }], { flags: 0x20 });
  assert.throws(() => decodeLz4Frames(independent, 9), Lz4Error);
});

test('skippable frames are passed over; frames follow one another', () => {
  const skippable = Uint8Array.from([...le32(0x184d2a53), ...le32(3), 1, 2, 3]);
  const one = frame([{ data: [...ascii('ab')], stored: true }]);
  const two = frame([{ data: [0x30, ...ascii('cde')] }]);
  assert.deepEqual(decodeLz4Frames(Uint8Array.from([...skippable, ...one, ...two]), 5), ascii('abcde'));
});

test('damage is refused with an Lz4Error: length, checksums, bounds', () => {
  const content = ascii('hello');
  const good = frame([{ data: [...content], stored: true }], { size: 5, content });
  assert.deepEqual(decodeLz4Frames(good, 5), content);
  const refused = (bytes: Uint8Array, length: number, pattern: RegExp) => assert.throws(() => decodeLz4Frames(bytes, length), (e: unknown) => e instanceof Lz4Error && pattern.test(e.message));
  refused(good, 4, /runs past|declares 5 bytes/); // content longer than declared
  refused(good, 6, /declares 5 bytes|is 5 bytes, not the 6/); // shorter
  refused(frame([{ data: [...content], stored: true }]), 6, /is 5 bytes, not the 6/);
  const badHeader = good.slice();
  badHeader[5] ^= 0x80; // BD's reserved bit: checked before the checksum
  refused(badHeader, 5, /reserved bits/);
  const badHc = good.slice();
  badHc[6] ^= 1; // content size byte: the header checksum fails
  refused(badHc, 5, /checksum|declares/);
  const badContent = good.slice();
  badContent[good.length - 10] ^= 1; // a content byte: the content checksum fails
  refused(badContent, 5, /content fails its checksum/);
  refused(good.subarray(0, good.length - 6), 5, /ends|runs past|cut short/); // cut short
  refused(frame([{ data: [0x00, 9, 0, 0x10, 0x7a] }]), 5, /refers 9 bytes back/); // a match before the output start
  refused(frame([{ data: [0xf0, 255, 255] }]), 5, /ends inside a length/);
  refused(Uint8Array.from([...le32(0x184d2205), 0, 0, 0]), 5, /frame magic/);
});
