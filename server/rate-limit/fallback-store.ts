import { withTimeout } from "../with-timeout.js";
import type { RateLimitStore } from "./rate-limiter.js";

/** After a failure, how long the shared store is left alone before it is tried again. */
const RETRY_AFTER_MS = 5_000;

/**
 * The shared store (Redis) while it answers within `timeoutMs`; this process's memory while it does not.
 * A Redis that is down or hangs costs one request at most `timeoutMs`, then nobody waits on it for
 * `RETRY_AFTER_MS`: limits keep holding per process, sign-in and chat keep answering.
 */
export function createFallbackStore(
  shared: RateLimitStore,
  local: RateLimitStore,
  options: { timeoutMs: number; onError: (error: unknown) => void; now?: () => number },
): RateLimitStore {
  const now = options.now ?? Date.now;
  let skipUntil = 0;
  const attempt = async <T>(what: string, run: (store: RateLimitStore) => Promise<T>): Promise<T> => {
    if (now() >= skipUntil) {
      try {
        return await withTimeout(run(shared), options.timeoutMs, what);
      } catch (error) {
        skipUntil = now() + RETRY_AFTER_MS;
        options.onError(error);
      }
    }
    return run(local);
  };
  return {
    hit: (key, windowMs) => attempt("rate limit", (store) => store.hit(key, windowMs)),
    reset: (key) => attempt("rate limit reset", (store) => store.reset(key)),
    async close() {
      await Promise.all([shared.close(), local.close()]);
    },
  };
}
