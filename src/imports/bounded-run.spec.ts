// Proves the scheduling an import relies on: never more than `concurrency` lines in flight,
// lines with one order key strictly in file order while others overtake them, and a failure
// that stops the run without starting anything after it.
import { boundedRun } from '#src/imports/bounded-run.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('boundedRun', () => {
  it('keeps at most `concurrency` items in flight and returns every result in item order', async () => {
    let inFlight = 0;
    let peak = 0;
    const { results, fatal } = await boundedRun(
      Array.from({ length: 50 }, (_, index) => index),
      {
        concurrency: 4,
        orderKey: () => null,
        work: async (item) => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          for (let i = 0; i < (item % 5) + 1; i++) await tick();
          inFlight -= 1;
          return item * 2;
        },
      },
    );
    expect(fatal).toBeNull();
    expect(peak).toBe(4);
    expect(results).toEqual(Array.from({ length: 50 }, (_, index) => index * 2));
  });

  it('runs items of one order key one at a time in their order, and lets others overtake', async () => {
    // Pledge P's first payment is slow; the second must still wait for it, while the unpledged
    // payment behind them both finishes first.
    const items = [
      { name: 'P-1', key: 'P', ticks: 20 },
      { name: 'P-2', key: 'P', ticks: 1 },
      { name: 'free', key: null, ticks: 1 },
      { name: 'P-3', key: 'P', ticks: 1 },
    ];
    const started: string[] = [];
    const finished: string[] = [];
    await boundedRun(items, {
      concurrency: 3,
      orderKey: (item) => item.key,
      work: async (item) => {
        started.push(item.name);
        for (let i = 0; i < item.ticks; i++) await tick();
        finished.push(item.name);
      },
    });
    expect(finished).toEqual(['free', 'P-1', 'P-2', 'P-3']);
    expect(started.filter((name) => name.startsWith('P'))).toEqual(['P-1', 'P-2', 'P-3']);
  });

  it('stops starting items after a throw, finishes those in flight and reports the error', async () => {
    const settled: number[] = [];
    const { results, fatal } = await boundedRun(
      Array.from({ length: 20 }, (_, index) => index),
      {
        concurrency: 2,
        orderKey: (item) => (item === 3 ? 'k' : item === 4 ? 'k' : null),
        work: async (item) => {
          await tick();
          if (item === 3) throw new Error('connection lost');
          return item;
        },
        onSettled: (item) => settled.push(item),
      },
    );
    expect((fatal?.error as Error).message).toBe('connection lost');
    // Item 4 shares item 3's key, so it waited for 3 and was then not run.
    expect(results[4]).toBeUndefined();
    expect(results.slice(0, 3)).toEqual([0, 1, 2]);
    expect(results.slice(6)).toEqual(Array.from({ length: 14 }, () => undefined));
    expect(settled).not.toContain(3);
  });
});
