import { EmbdiagError } from '../errors';
import type { DTypeName } from './dtype';

/**
 * One column per dimension (dim_0, dim_1, ... as a DataFrame of floats is saved): the numeric
 * scalar columns of a table named <prefix><number>, two or more per prefix, are gathered into one
 * array '<prefix>*'. Shared by the table formats (Arrow, Parquet).
 */

export interface DimensionMember {
  /** The number after the prefix: members are ordered by it. */
  index: number;
  name: string;
  dtype: DTypeName;
}

export interface DimensionGroup {
  /** '<prefix>*' */
  name: string;
  /** Ordered by index. */
  members: DimensionMember[];
  /** The members' common dtype, or float64 when they differ (each is still read at its own width). */
  dtype: DTypeName;
}

const NUMBERED = /^(.*?)(\d+)$/;

/**
 * Groups the numeric scalar columns (given in schema order, `dtype` undefined for anything else)
 * by prefix. Returns the groups in order of their first member, and the group of each gathered column.
 */
export function gatherDimensionColumns(columns: { name: string; dtype?: DTypeName }[]): { groups: DimensionGroup[]; groupOf: Map<string, DimensionGroup> } {
  const byPrefix = new Map<string, DimensionMember[]>();
  for (const c of columns) {
    const m = NUMBERED.exec(c.name);
    if (!m || !c.dtype) continue;
    const members = byPrefix.get(m[1]) ?? [];
    members.push({ index: Number(m[2]), name: c.name, dtype: c.dtype });
    byPrefix.set(m[1], members);
  }
  const groups: DimensionGroup[] = [];
  const groupOf = new Map<string, DimensionGroup>();
  for (const [prefix, members] of byPrefix) {
    if (members.length < 2) continue;
    members.sort((a, b) => a.index - b.index);
    const group = { name: `${prefix}*`, members, dtype: members.every(m => m.dtype === members[0].dtype) ? members[0].dtype : 'float64' as DTypeName };
    groups.push(group);
    for (const m of members) groupOf.set(m.name, group);
  }
  return { groups, groupOf };
}

/** The note that says what a group gathers. */
export function dimensionGroupNote(group: DimensionGroup): string {
  const { members } = group;
  return `'${group.name}' gathers ${members.length} numeric columns (${members[0].name} … ${members[members.length - 1].name}) into one ${members.length}-dimensional array.`;
}

/** The refusal for a gathered column asked for by its own name: it is one number per row, not an embedding. */
export function dimensionMemberRefusal(label: string, column: string, group: DimensionGroup): EmbdiagError {
  return new EmbdiagError('bad-shape', `${label}: column '${column}' cannot be analysed: it holds one number per row (it is one of the ${group.members.length} columns gathered into '${group.name}').`,
    `Pick '${group.name}' to analyse those columns as one array.`);
}
