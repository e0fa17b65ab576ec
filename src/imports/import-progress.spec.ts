// Proves what the progress line says (count, share, rate, time left) and that it is drawn on a
// terminal only, where a log file or a pipe gets nothing but the summary.
import { formatDuration, formatProgress, ImportProgress } from '#src/imports/import-progress.js';

/** The ANSI sequence that clears the rest of the line, written after each drawing. */
const CLEAR_LINE = '\u001b[K';

describe('the progress line', () => {
  it('shows done/total, the share, the rate and the time left', () => {
    expect(formatProgress('payments', 3_500, 10_000, 1_204.4, 2.9)).toBe(
      'payments [########................] 3,500/10,000 35% 1,204/s ETA 5s',
    );
    expect(formatProgress('pledges', 0, 40, 0, 0)).toBe(
      'pledges [........................] 0/40 0% 0/s ETA --',
    );
    expect(formatProgress('payments', 10_000, 10_000, 990, 125)).toBe(
      'payments [########################] 10,000/10,000 100% 990/s in 2m05s',
    );
  });

  it('writes durations in their two largest units', () => {
    expect([0.4, 42, 187, 3_725].map(formatDuration)).toEqual(['0s', '42s', '3m07s', '1h02m']);
  });

  it('is redrawn in place on a terminal, at most every 100 ms, and ends its line', () => {
    const written: string[] = [];
    let nowMs = 0;
    const progress = new ImportProgress(
      { isTTY: true, write: (text) => written.push(text) > 0 },
      'payments',
      3,
      () => nowMs,
    );
    nowMs = 150;
    progress.tick();
    nowMs = 160;
    progress.tick();
    nowMs = 1_000;
    progress.tick();
    progress.finish();
    expect(
      written.map((text) => (text.endsWith(CLEAR_LINE) ? text.slice(0, -CLEAR_LINE.length) : text)),
    ).toEqual([
      '\rpayments [########................] 1/3 33% 7/s ETA 0s',
      '\rpayments [########################] 3/3 100% 3/s in 1s',
      '\rpayments [########################] 3/3 100% 3/s in 1s',
      '\n',
    ]);
  });

  it('writes nothing when standard error is not a terminal', () => {
    const written: string[] = [];
    const progress = new ImportProgress(
      { isTTY: false, write: (text) => written.push(text) > 0 },
      'payments',
      2,
    );
    progress.tick();
    progress.tick();
    progress.finish();
    expect(written).toEqual([]);
  });
});
