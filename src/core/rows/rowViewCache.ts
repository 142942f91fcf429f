import type { RowView } from './rowMetadata';
import { openRowViewContext, rowViewOf, type RowViewContext, type RowViewOptions } from './rowView';
import { dumpFileStamps, type RowMetadataCache } from './rowMetadataCache';
import type { FileStamps } from '../io/fileStamps';
import { IdleTimer } from '../io/idleTimer';

export interface RowViewCacheOptions {
  /** The dump is closed after this long without a row view (0: never). */
  idleMs?: number;
}

/**
 * The last dump opened for row views, with its neighbour sample (the extension's worker holds one):
 * the next row of the same file (it and its sidecar manifest unchanged on disk, same options) is
 * answered without reading the sample again. The rows' metadata is read through `metadata`, the
 * worker's RowMetadataCache, on every row view (which reads the metadata files again when one
 * changed): the first row view after a report finds the dump's metadata open, warmed up for the
 * rows shown, instead of opening and probing it a second time. The dump is closed after `idleMs` without a row
 * view (an open file cannot be replaced on Windows).
 */
export class RowViewCache {
  private current: { key: string; stamps: FileStamps; ctx: RowViewContext } | undefined;
  private readonly idle: IdleTimer;

  constructor(private readonly metadata: RowMetadataCache, options: RowViewCacheOptions = {}) {
    this.idle = new IdleTimer(options.idleMs ?? 60_000, () => void this.close());
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
    this.idle.stop();
    const previous = this.current;
    this.current = undefined;
    await previous?.ctx.close().catch(() => undefined);
  }

  private async context(filePath: string, options: RowViewOptions): Promise<RowViewContext> {
    this.idle.touch();
    const key = JSON.stringify([filePath, options]);
    const current = this.current;
    if (current?.key === key && await current.stamps.unchanged() && this.current === current) return current.ctx;
    await this.close();
    this.idle.touch();
    const stamps = await dumpFileStamps(filePath);
    const ctx = await openRowViewContext(filePath, options, rows => this.metadata.readOnce(filePath, rows, options));
    this.current = { key, stamps, ctx };
    return ctx;
  }
}
