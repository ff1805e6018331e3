import { closeRedis, type RedisClient } from "../redis.js";
import type { RateLimitStore } from "./rate-limiter.js";

/**
 * Counters in Redis, shared by every server process. INCR and PEXPIRE NX run in one MULTI, so the
 * first hit starts the window and no key is ever left without an expiry.
 */
export function createRedisStore(redis: RedisClient, prefix: string): RateLimitStore {
  const keyOf = (key: string) => `${prefix}ratelimit:${key}`;
  // Requests made while the first connection is being opened wait for it (at most 2 s), so a fresh process
  // counts from its first request; once it has connected or failed, nobody waits on Redis again.
  const firstAttempt = new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off("ready", done);
      redis.off("error", done);
      resolve();
    };
    const timer = setTimeout(done, 2_000);
    timer.unref();
    redis.once("ready", done);
    redis.once("error", done);
  });
  return {
    async hit(key, windowMs) {
      if (!redis.isReady) await firstAttempt;
      const fullKey = keyOf(key);
      const [count, , ttl] = await redis
        .multi()
        .incr(fullKey)
        .pExpire(fullKey, windowMs, "NX")
        .pTTL(fullKey)
        .exec();
      const remaining = Number(ttl);
      return { count: Number(count), resetAt: Date.now() + (remaining > 0 ? remaining : windowMs) };
    },
    async reset(key) {
      await redis.del(keyOf(key));
    },
    async close() {
      await closeRedis(redis);
    },
  };
}
