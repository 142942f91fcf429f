import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import {
  checkMessage, damagedArrowFile, FlatbufferError, HEADER_DICTIONARY_BATCH, HEADER_RECORD_BATCH, HEADER_SCHEMA, MAX_MESSAGE_BYTES,
  refuseUnreadable, type ArrowFileLayout, type BatchLayout,
} from './arrowLayout';

/**
 * The Arrow IPC stream format (what Hugging Face `Dataset.save_to_disk` and the datasets cache write
 * as data-00000-of-000NN.arrow): a schema message, then dictionary and record batch messages, each
 * `[0xFFFFFFFF] int32 metadata length, flatbuffer (padded), body`, up to an end-of-stream marker. With
 * no footer, one pass over the message headers (the bodies are skipped, never read) finds the
 * record batches; the column reader then reads them by ranged reads exactly as in the file format.
 */

/** Where a message lies in the file: [start, end), its body included. */
export interface MessageExtent { start: number; end: number }

export interface ArrowStreamLayout extends ArrowFileLayout {
  schema: MessageExtent;
  dictionaries: MessageExtent[];
  /** The message of each record batch, in the order of recordBatches. */
  batchMessages: MessageExtent[];
}

/** True when the bytes start like an IPC stream: the continuation marker, then a plausible metadata length. */
export function hasArrowStreamStart(head: Uint8Array): boolean {
  if (head.length < 8 || head[0] !== 0xff || head[1] !== 0xff || head[2] !== 0xff || head[3] !== 0xff) return false;
  const length = new DataView(head.buffer, head.byteOffset, 8).getInt32(4, true);
  return length > 0 && length % 8 === 0 && length <= MAX_MESSAGE_BYTES;
}

/** Walks the stream's message headers, checking each flatbuffer and each extent against the file. */
export async function verifyArrowStream(source: ByteSource, label: string): Promise<ArrowStreamLayout> {
  const truncated = (what: string) => new EmbdiagError('truncated', `${label}: ${what} runs past the end of the ${source.size}-byte file.`,
    'The Arrow stream is probably truncated (still being written, or an interrupted copy); re-save or re-copy it.');
  let schema: MessageExtent | undefined;
  let littleEndian = true;
  const dictionaries: MessageExtent[] = [];
  const batchMessages: MessageExtent[] = [];
  const recordBatches: BatchLayout[] = [];
  let rows = 0;
  for (let pos = 0, index = 0; pos < source.size; index++) {
    const what = `message ${index} (at byte ${pos})`;
    if (pos + 4 > source.size) throw truncated(what);
    const prefix = await source.read(pos, Math.min(8, source.size - pos));
    const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.length);
    const continued = view.getInt32(0, true) === -1;
    if (continued && prefix.length < 8) throw truncated(what);
    const metadataLength = view.getInt32(continued ? 4 : 0, true);
    if (metadataLength === 0) break; // the end-of-stream marker
    const headerStart = pos + (continued ? 8 : 4);
    if (metadataLength < 0 || metadataLength > MAX_MESSAGE_BYTES) throw damagedArrowFile(label, `has ${what} declaring a ${metadataLength}-byte header`);
    if (headerStart + metadataLength > source.size) throw truncated(`the header of ${what}`);
    let message: ReturnType<typeof checkMessage>;
    try {
      message = checkMessage(await source.read(headerStart, metadataLength));
    } catch (e) {
      if (e instanceof FlatbufferError) throw damagedArrowFile(label, `has a damaged header in ${what} of the Arrow stream (${e.message})`);
      throw e;
    }
    const bodyStart = headerStart + metadataLength;
    const end = bodyStart + message.bodyLength;
    if (end > source.size) throw truncated(`the ${message.bodyLength}-byte body of ${what}`);
    const extent = { start: pos, end };
    if (!schema) {
      if (message.headerType !== HEADER_SCHEMA || !message.schema) throw damagedArrowFile(label, `starts with a message of type ${message.headerType}, not the schema an Arrow stream starts with`);
      refuseUnreadable(label, message.schema.unreadable);
      littleEndian = message.schema.littleEndian;
      schema = extent;
    } else if (message.headerType === HEADER_DICTIONARY_BATCH) {
      dictionaries.push(extent);
    } else if (message.headerType === HEADER_RECORD_BATCH && message.batch) {
      const b = message.batch;
      recordBatches.push({ start: rows, rows: b.rows, offset: pos, bodyLength: message.bodyLength, bodyStart, nodes: b.nodes, buffers: b.buffers, compressed: b.compressed });
      batchMessages.push(extent);
      rows += b.rows;
      if (!Number.isSafeInteger(rows)) throw damagedArrowFile(label, 'declares more rows than can be counted');
    } else {
      throw damagedArrowFile(label, `has ${what} of type ${message.headerType} after the schema`);
    }
    pos = end;
  }
  if (!schema) throw damagedArrowFile(label, 'ends before the schema message an Arrow stream starts with');
  return { recordBatches, littleEndian, schema, dictionaries, batchMessages };
}

const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

type Arrow = typeof import('apache-arrow');
type Field = import('apache-arrow').Field;
type RecordBatch = import('apache-arrow').RecordBatch;

/**
 * What apache-arrow decodes of a stream, one record batch at a time: the batch's message is read
 * and given to apache-arrow behind the schema and the dictionaries that come before it, as a
 * stream of its own (the file format's reader seeks to a batch the same way, through the footer).
 */
export async function streamBatches(arrow: Arrow, source: ByteSource, layout: ArrowStreamLayout, label: string):
  Promise<{ fields: Field[]; readRecordBatch(index: number): Promise<RecordBatch | null> }> {
  const bytesOf = (m: MessageExtent) => source.read(m.start, m.end - m.start);
  const schema = await bytesOf(layout.schema);
  let fields: Field[];
  try {
    const reader = arrow.RecordBatchReader.from(concat([schema, END_OF_STREAM]));
    reader.open();
    fields = reader.schema.fields;
  } catch (e) {
    if (e instanceof EmbdiagError) throw e;
    throw damagedArrowFile(label, 'has a schema that apache-arrow cannot decode');
  }
  return {
    fields,
    async readRecordBatch(index: number): Promise<RecordBatch | null> {
      const message = layout.batchMessages[index];
      if (!message) return null;
      const dictionaries = await Promise.all(layout.dictionaries.filter(d => d.start < message.start).map(bytesOf));
      const reader = arrow.RecordBatchReader.from(concat([schema, ...dictionaries, await bytesOf(message), END_OF_STREAM]));
      const next = reader.next();
      return next.done ? null : next.value;
    },
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
