import * as fs from 'node:fs/promises';
import type { RowView } from './rowMetadata';
import { openRowViewContext, rowViewOf, type RowViewContext, type RowViewOptions } from './rowView';

export interface RowViewCacheOptions {
  /** The dump is closed after this long without a row view (0: never). */
  idleMs?: number;
}

/**
 * The last dump opened for row views, with its neighbour sample and metadata columns (the
 * extension's worker holds one): the next row of the same file (unchanged on disk, same options)
 * is answered without reading the sample again. The dump is closed after `idleMs` without a row
 * view (an open file cannot be replaced on Windows).
 */
export class RowViewCache {
  private current: { key: string; ctx: RowViewContext } | undefined;
  private readonly idleMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: RowViewCacheOptions = {}) {
    this.idleMs = options.idleMs ?? 60_000;
  }

  /**
   * The row view of `row` of the dump at `filePath`; for a dataset's shard, `shard` names it and
   * `globalOffset` (its first row) turns its rows into the dataset's.
   */
  async view(filePath: string, row: number, options: RowViewOptions = {}, at: { shard?: RowView['shard']; globalOffset?: number } = {}): Promise<RowView> {
    const ctx = await this.context(filePath, options);
    return rowViewOf(ctx, row, { neighbours: options.neighbours, ...at });
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    const previous = this.current;
    this.current = undefined;
    await previous?.ctx.close().catch(() => undefined);
  }

  private async context(filePath: string, options: RowViewOptions): Promise<RowViewContext> {
    this.touch();
    const st = await fs.stat(filePath);
    const key = JSON.stringify([filePath, st.size, st.mtimeMs, options]);
    if (this.current?.key === key) return this.current.ctx;
    await this.close();
    this.touch();
    const ctx = await openRowViewContext(filePath, options);
    this.current = { key, ctx };
    return ctx;
  }

  private touch(): void {
    clearTimeout(this.timer);
    if (!this.idleMs) return;
    this.timer = setTimeout(() => void this.close(), this.idleMs);
    this.timer.unref?.();
  }
}
