import { AppError } from "../../shared/errors.js";

export type SearchGate = {
  /** Runs `fn` when a slot is free, with the milliseconds left of the deadline; refuses once it has passed. */
  run<T>(fn: (remainingMs: number) => Promise<T>): Promise<T>;
};

const busy = () =>
  new AppError("rate_limited", "Search is busy right now; try again in a moment", { retryAfterSeconds: 1 });

/**
 * Keyword searches take at most `concurrency` database connections at once, so chat and checkouts always
 * find one free; each search answers within `deadlineMs` (waiting included) or is refused with 429.
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
        const remainingMs = options.deadlineMs - (Date.now() - started);
        if (remainingMs < 50) throw busy();
        return await fn(remainingMs);
      } finally {
        release();
      }
    },
  };
}
