import type { RateLimitStore, WindowCount } from "./rate-limiter.js";

/** Counters in this process's memory: right for a single server process only. */
export function createMemoryStore(now: () => number = Date.now): RateLimitStore {
  const windows = new Map<string, WindowCount>();
  // Expired windows are swept now and then, so keys from one-off addresses do not pile up.
  const sweep = setInterval(() => {
    const time = now();
    for (const [key, window] of windows) if (window.resetAt <= time) windows.delete(key);
  }, 60_000);
  sweep.unref();

  return {
    async hit(key, windowMs) {
      const time = now();
      const current = windows.get(key);
      if (!current || current.resetAt <= time) {
        const fresh = { count: 1, resetAt: time + windowMs };
        windows.set(key, fresh);
        return { ...fresh };
      }
      current.count += 1;
      return { ...current };
    },
    async reset(key) {
      windows.delete(key);
    },
    async close() {
      clearInterval(sweep);
      windows.clear();
    },
  };
}
