import { performance } from 'node:perf_hooks';

/** How often the line is redrawn: often enough to look alive, rarely enough to cost nothing. */
const REDRAW_MS = 100;
/** The rate is measured over this recent window, so the ETA follows a rate that changes. */
const RATE_WINDOW_MS = 5_000;
const BAR_WIDTH = 24;

/** A terminal stream; only its TTY flag and `write` are used. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): boolean;
}

/**
 * One self-rewriting line on a terminal: done/total, a bar, the rate and the time left. On
 * anything but a terminal (a pipe, a log file, CI) it writes nothing, since a carriage return
 * there only makes a file unreadable; the command's summary line says the same at the end.
 */
export class ImportProgress {
  private readonly startedMs: number;
  private lastDrawMs = -Infinity;
  private done = 0;
  private readonly samples: { atMs: number; done: number }[] = [];

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    private readonly total: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedMs = now();
    this.samples.push({ atMs: this.startedMs, done: 0 });
  }

  /** Counts one more line done, and redraws when the last drawing is old enough. */
  tick(): void {
    this.done += 1;
    const nowMs = this.now();
    if (nowMs - this.lastDrawMs >= REDRAW_MS || this.done === this.total) this.draw(nowMs);
  }

  /** Ends the line, so that what is printed next starts on a line of its own. */
  finish(): void {
    if (!this.stream.isTTY) return;
    this.draw(this.now());
    this.stream.write('\n');
  }

  private draw(nowMs: number): void {
    this.lastDrawMs = nowMs;
    this.samples.push({ atMs: nowMs, done: this.done });
    while (this.samples.length > 2 && nowMs - this.samples[0].atMs > RATE_WINDOW_MS)
      this.samples.shift();
    if (!this.stream.isTTY) return;
    const oldest = this.samples[0];
    const seconds = (nowMs - oldest.atMs) / 1000;
    const rate = seconds > 0 ? (this.done - oldest.done) / seconds : 0;
    this.stream.write(
      `\r${formatProgress(this.label, this.done, this.total, rate, (nowMs - this.startedMs) / 1000)}\x1b[K`,
    );
  }
}

/** `payments [#########.........] 3,500/10,000 35% 1,204/s ETA 5s` (pure, for the tests). */
export function formatProgress(
  label: string,
  done: number,
  total: number,
  linesPerSecond: number,
  elapsedSeconds: number,
): string {
  const share = total > 0 ? done / total : 1;
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const count = `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
  const rate = `${Math.round(linesPerSecond).toLocaleString('en-US')}/s`;
  const eta =
    done >= total
      ? `in ${formatDuration(elapsedSeconds)}`
      : linesPerSecond > 0
        ? `ETA ${formatDuration((total - done) / linesPerSecond)}`
        : 'ETA --';
  return `${label} ${bar} ${count} ${Math.floor(share * 100)}% ${rate} ${eta}`;
}

/** `42s`, `3m07s`, `1h02m`: whole seconds, the two largest units. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
