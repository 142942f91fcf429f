import { EmbdiagError } from '../errors';
import type { ArrayInfo, EmbeddingMatrix } from './dumpFile';
import { pickArray } from './npy';

/** Rows the default choice reads from a candidate before taking it (a candidate that fails there is skipped). */
const PROBE_ROWS = 64;

/**
 * The array picked by the rule (npy.ts pickArray) that opens and reads its first rows, for the
 * table formats whose candidates can still fail once opened (damaged or ragged columns): a
 * candidate that is empty or fails is set aside with its reason, and the next one is tried. When
 * none works, the refusal lists every array with its reason (or, for a single candidate, is its own).
 */
export async function openDefaultArray(label: string, arrays: ArrayInfo[], open: (info: ArrayInfo) => EmbeddingMatrix): Promise<EmbeddingMatrix> {
  const candidates = arrays.map(a => ({ ...a }));
  const failures: EmbdiagError[] = [];
  let setAside = 0;
  for (;;) {
    let choice: ArrayInfo;
    try {
      choice = pickArray(label, candidates); // throws no-array, naming every array and why, when none is left
    } catch (e) {
      if (failures.length === 1 && setAside === 1) throw failures[0];
      throw e;
    }
    const info = arrays[candidates.indexOf(choice)];
    setAside++;
    if (info.shape[0] === 0) {
      choice.analysable = false;
      choice.reason = 'it has no rows';
      continue;
    }
    try {
      const matrix = open(info);
      await matrix.readRows(0, Math.min(matrix.rows, PROBE_ROWS));
      return matrix;
    } catch (e) {
      if (!(e instanceof EmbdiagError)) throw e;
      failures.push(e);
      choice.analysable = false;
      choice.reason = reasonOf(e, label);
    }
  }
}

/** An EmbdiagError's first sentence without the file's name: the reason a candidate was set aside. */
function reasonOf(e: EmbdiagError, label: string): string {
  let text = e.hint && e.message.endsWith(` ${e.hint}`) ? e.message.slice(0, -e.hint.length - 1) : e.message;
  if (text.startsWith(`${label}: `)) text = text.slice(label.length + 2);
  return text.replace(/\.$/, '');
}
