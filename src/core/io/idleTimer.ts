/**
 * Calls `onIdle` once `idleMs` have passed since the last touch (0: never): the caches that keep
 * files open close them so (an open file cannot be replaced on Windows). It keeps no process alive.
 */
export class IdleTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs: number, private readonly onIdle: () => void) {}

  touch(): void {
    this.stop();
    if (!this.idleMs) return;
    this.timer = setTimeout(this.onIdle, this.idleMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
