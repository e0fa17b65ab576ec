/**
 * Runs `work` over items with at most `concurrency` of them in flight, starting them in order.
 * Items that share an order key run one after the other in their order, so that what depends on
 * order (which payment settles a pledge) is decided by the file and not by scheduling. `work`
 * reports an item's own failure in its result; a throw means the run cannot go on (the database
 * went away): no further item is started, those in flight are awaited, and the error is returned
 * with the results gathered so far (undefined for items never run).
 */
export async function boundedRun<T, R>(
  items: readonly T[],
  options: {
    concurrency: number;
    orderKey: (item: T) => string | null;
    work: (item: T) => Promise<R>;
    onSettled?: (item: T, result: R) => void;
  },
): Promise<{ results: (R | undefined)[]; fatal: { error: unknown } | null }> {
  const results: (R | undefined)[] = new Array<R | undefined>(items.length).fill(undefined);
  // The last started item of each order key; the next one with that key waits for it.
  const tails = new Map<string, Promise<void>>();
  let fatal: { error: unknown } | null = null;
  let next = 0;

  const runOne = async (index: number, previous: Promise<void> | undefined): Promise<void> => {
    await previous;
    if (fatal !== null) return;
    const result = await options.work(items[index]);
    results[index] = result;
    options.onSettled?.(items[index], result);
  };

  const worker = async (): Promise<void> => {
    while (fatal === null && next < items.length) {
      const index = next++;
      const key = options.orderKey(items[index]);
      const previous = key === null ? undefined : tails.get(key);
      const run = runOne(index, previous);
      // The tail never rejects, so a waiting successor is not failed by its predecessor: the
      // predecessor's error is recorded once, below, and stops the run.
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      if (key !== null) tails.set(key, settled);
      try {
        await run;
      } catch (error) {
        fatal ??= { error };
      } finally {
        if (key !== null && tails.get(key) === settled) tails.delete(key);
      }
    }
  };

  const workers = Math.max(1, Math.min(options.concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return { results, fatal };
}
