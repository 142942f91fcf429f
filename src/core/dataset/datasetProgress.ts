/**
 * One progress for a dataset read shard by shard, several at once: each shard reports its own
 * fraction, the dataset's is their sum weighted by rows, never going back. The message counts
 * shards done, rows and bytes (prorated within each shard) and, once enough is done to say, the
 * time left at the rate so far.
 */
export class DatasetProgress {
  private readonly fractions: Float64Array;
  private readonly totalRows: number;
  private readonly totalBytes: number;
  private shardsDone = 0;
  private last = 0;
  private readonly started = Date.now();

  constructor(private readonly shards: readonly { rows: number; size: number }[],
    private readonly report: ((fraction: number, message: string) => void) | undefined) {
    this.fractions = new Float64Array(shards.length);
    this.totalRows = shards.reduce((s, x) => s + x.rows, 0);
    this.totalBytes = shards.reduce((s, x) => s + x.size, 0);
  }

  /** Shard i has done `fraction` of its rows (its own progress reaches 0.9 at the end of its rows). */
  shard(i: number, fraction: number): void {
    this.fractions[i] = Math.max(this.fractions[i], Math.min(1, fraction));
    this.emit();
  }

  /** Shard i is done (read, from the cache, or failed). */
  done(i: number): void {
    if (this.fractions[i] < 2) this.shardsDone++;
    this.fractions[i] = 2; // marks it counted; weighs 1 below
    this.emit();
  }

  private emit(): void {
    if (!this.report) return;
    let rows = 0, bytes = 0;
    for (let i = 0; i < this.shards.length; i++) {
      const f = Math.min(1, this.fractions[i]);
      rows += f * this.shards[i].rows;
      bytes += f * this.shards[i].size;
    }
    const byRows = this.totalRows > 0 ? rows / this.totalRows : this.shardsDone / Math.max(1, this.shards.length);
    const fraction = Math.max(this.last, Math.min(1, byRows));
    this.last = fraction;
    const elapsed = (Date.now() - this.started) / 1000;
    const left = fraction >= 0.02 && fraction < 1 && elapsed >= 1 ? `, about ${formatSeconds(elapsed * (1 - fraction) / fraction)} left` : '';
    this.report(fraction, `${this.shardsDone} of ${this.shards.length} shards done, ${Math.round(rows).toLocaleString('en-US')} of ${this.totalRows.toLocaleString('en-US')} rows, ` +
      `${formatBytes(bytes)} of ${formatBytes(this.totalBytes)}${left}`);
  }
}

function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`;
}

function formatSeconds(s: number): string {
  return s >= 90 ? `${Math.round(s / 60)} min` : `${Math.max(1, Math.round(s))} s`;
}
