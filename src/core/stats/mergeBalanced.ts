/**
 * Items merged pairwise in a balanced tree, neighbours first (in order: a merge that is not
 * commutative to the bit sees the items as given), log₂ n levels: each item is merged about
 * log₂ n times, not n times as in a left fold.
 */
export function mergeBalanced<T>(items: readonly T[], merge: (a: T, b: T) => T): T {
  if (items.length === 0) throw new Error('mergeBalanced: nothing to merge');
  let level = items;
  while (level.length > 1) {
    const next: T[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(merge(level[i], level[i + 1]));
    if (level.length % 2) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}
