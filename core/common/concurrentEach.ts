/** concurrentEach: runs an async function over an (async) iterable with at most N calls in flight. */

/**
 * Calls `work` for every item of `items` with at most `concurrency` calls running at once, pulling items only as
 * workers free up (so a listing that is still paging is consumed at the pace of the work). Rejects with the first
 * error `work` throws (the other workers finish their current item and stop); stops early when `signal` aborts,
 * rejecting with its reason.
 */
export async function concurrentEach<T>(items: AsyncIterable<T> | Iterable<T>, concurrency: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  let exhausted = false;
  // One pull at a time: async generators queue next() calls anyway, but sync iterators and custom ones need not.
  let pulling: Promise<unknown> = Promise.resolve();
  const pull = (): Promise<IteratorResult<T>> => {
    const next = pulling.then(() => iterator.next());
    pulling = next.catch(() => undefined);
    return next;
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      if (failure || exhausted) return;
      if (signal?.aborted) throw signal.reason;
      const next = await pull();
      if (next.done) {
        exhausted = true;
        return;
      }
      await work(next.value);
    }
  };
  const workers = Array.from({ length: Math.max(1, concurrency) }, () =>
    worker().catch((error: unknown) => {
      failure ??= { error };
    }),
  );
  await Promise.all(workers);
  if (failure) {
    await Promise.resolve(iterator.return?.()).catch(() => undefined);
    throw failure.error;
  }
}
