/**
 * The keyboard cursor of a plot, without DOM or lit: which item a key moves it to.
 * Every plot steps through its items (points, bars, time steps, faces) by position
 * 0..count−1 in drawing order; plotParts.ts binds this to the plot's <svg>.
 */

/** How far PageUp / PageDown move the cursor. */
export const PAGE_STEP = 10;

/** What the plot's screen-reader description says about the keys. */
export const CURSOR_KEYS_HINT = 'Left and Right arrows step through the values, Home and End go to the first and last, '
  + 'Page Up and Page Down jump by 10, Escape clears.';

/** `handled: false`: the key is not the cursor's, let the page have it (Tab, scrolling, shortcuts). */
export type CursorKeyResult = { handled: false } | { handled: true; position: number | null };

const UNHANDLED: CursorKeyResult = { handled: false };

/**
 * The cursor position after `key` (a KeyboardEvent.key) on a plot of `count` items.
 * Without a cursor, the first movement key shows the first item (End: the last one).
 * Moves stop at the ends. Escape clears the cursor, and is left to the page when there is none.
 */
export function cursorAfterKey(key: string, position: number | null, count: number): CursorKeyResult {
  if (key === 'Escape') return position === null ? UNHANDLED : { handled: true, position: null };
  if (count <= 0) return UNHANDLED;
  const last = count - 1;
  const at = position === null ? null : Math.min(Math.max(position, 0), last);
  const clamp = (p: number) => Math.min(Math.max(p, 0), last);
  switch (key) {
    case 'Home': return { handled: true, position: 0 };
    case 'End': return { handled: true, position: last };
    case 'ArrowRight': return { handled: true, position: at === null ? 0 : clamp(at + 1) };
    case 'ArrowLeft': return { handled: true, position: at === null ? 0 : clamp(at - 1) };
    case 'PageDown': return { handled: true, position: at === null ? 0 : clamp(at + PAGE_STEP) };
    case 'PageUp': return { handled: true, position: at === null ? 0 : clamp(at - PAGE_STEP) };
    default: return UNHANDLED;
  }
}
