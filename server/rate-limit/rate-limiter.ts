import { AppError } from "../../shared/errors.js";

/** One counting window: how many hits it has seen, and when it ends. */
export type WindowCount = { count: number; resetAt: number };

/**
 * Where the counters live. Fixed windows: the first hit of a key starts a window of `windowMs`;
 * every process serving the marketplace must see the same counters, so production with several
 * processes uses the Redis store.
 */
export interface RateLimitStore {
  /** Counts one hit on `key` and returns the window's count including it. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  /** Forgets `key` (a successful sign-in clears the account's failures). */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

/** A named limit: at most `max` hits per `windowMs` for each key. */
export type RateLimitRule = { name: string; max: number; windowMs: number };

export type RateLimitOutcome = { allowed: boolean; retryAfterSeconds: number };

export type RateLimiter = {
  /** Counts one hit; refuses with `rate_limited` (details carry `retryAfterSeconds`) once over the limit. */
  consume(rule: RateLimitRule, key: string): Promise<void>;
  reset(rule: RateLimitRule, key: string): Promise<void>;
  close(): Promise<void>;
};

/**
 * Limits never delay anyone: a request over its limit is refused at once, and the keys are per user,
 * account or address, so one abuser never slows another user down.
 */
export function createRateLimiter(
  store: RateLimitStore,
  onStoreError: (error: unknown) => void,
): RateLimiter {
  const keyOf = (rule: RateLimitRule, key: string) => `${rule.name}:${key}`;
  return {
    async consume(rule, key) {
      let window: WindowCount;
      try {
        window = await store.hit(keyOf(rule, key), rule.windowMs);
      } catch (error) {
        // A broken counter store must not take the marketplace down with it: allow, and say so in the log.
        onStoreError(error);
        return;
      }
      if (window.count > rule.max) {
        const retryAfterSeconds = Math.max(1, Math.ceil((window.resetAt - Date.now()) / 1000));
        throw new AppError("rate_limited", "Too many attempts; try again later", { retryAfterSeconds });
      }
    },
    async reset(rule, key) {
      try {
        await store.reset(keyOf(rule, key));
      } catch (error) {
        onStoreError(error);
      }
    },
    close: () => store.close(),
  };
}
