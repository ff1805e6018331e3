type Waiting<R, T> = { request: R; resolve: (result: T) => void; reject: (error: unknown) => void };

/**
 * Runs requests for one key in batches: those that arrive together, or while the key's previous batch
 * runs, go as the next batch. A thousand sockets joining one room at once cost a handful of batches
 * (each a few queries), not a thousand turns of their own queries.
 */
export class KeyedBatches<R, T> {
  readonly #keys = new Map<string, Waiting<R, T>[]>();

  /** `run` answers a batch with one result per request, in order; its failure fails the whole batch. */
  constructor(
    private readonly run: (key: string, requests: R[]) => Promise<T[]>,
    private readonly maxBatch = 1_000,
  ) {}

  add(key: string, request: R): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiting = this.#keys.get(key);
      if (waiting) {
        waiting.push({ request, resolve, reject });
        return;
      }
      // A key with an entry has a batch running or about to: the first request starts one once the
      // requests already read from the sockets (this turn of the event loop) have joined it.
      const fresh = [{ request, resolve, reject }];
      this.#keys.set(key, fresh);
      setImmediate(() => this.#next(key, fresh));
    });
  }

  #next(key: string, waiting: Waiting<R, T>[]): void {
    const batch = waiting.splice(0, this.maxBatch);
    if (batch.length === 0) {
      this.#keys.delete(key);
      return;
    }
    this.run(
      key,
      batch.map((entry) => entry.request),
    )
      .then(
        (results) => {
          for (const [i, entry] of batch.entries()) entry.resolve(results[i]!);
        },
        (error: unknown) => {
          for (const entry of batch) entry.reject(error);
        },
      )
      .finally(() => this.#next(key, waiting));
  }
}
