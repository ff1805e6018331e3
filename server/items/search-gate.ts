import { AppError } from "../../shared/errors.js";

export type SearchGate = {
  /** Runs `fn` when a slot is free, with the milliseconds left of the deadline; refuses once it has passed. */
  run<T>(fn: (remainingMs: number) => Promise<T>): Promise<T>;
};

const busy = () =>
  new AppError("rate_limited", "Search is busy right now; try again in a moment", { retryAfterSeconds: 1 });

/** Searches that may wait for a slot, per slot: beyond them a search is refused at once, costing nothing. */
const WAITING_PER_SLOT = 3;

/**
 * Keyword searches take at most `concurrency` database connections at once, so chat and checkouts always
 * find one free; each search answers within `deadlineMs` (waiting included) or is refused with 429, and
 * when too many already wait, a new one is refused before it does any work.
 */
export function createSearchGate(options: { concurrency: number; deadlineMs: number }): SearchGate {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    active--;
    waiting.shift()?.();
  };
  return {
    async run(fn) {
      const started = Date.now();
      if (active >= options.concurrency) {
        if (waiting.length >= options.concurrency * WAITING_PER_SLOT) throw busy();
        await new Promise<void>((resolve, reject) => {
          const wake = () => {
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(() => {
            waiting.splice(waiting.indexOf(wake), 1);
            reject(busy());
          }, options.deadlineMs);
          waiting.push(wake);
        });
      }
      active++;
      try {
        // Other requests get in before this search's first statement (see items/service.ts).
        await new Promise((resolve) => setImmediate(resolve));
        const remainingMs = options.deadlineMs - (Date.now() - started);
        if (remainingMs < 50) throw busy();
        return await fn(remainingMs);
      } finally {
        release();
      }
    },
  };
}
