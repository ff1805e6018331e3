import type { RedisClient } from "../redis.js";
import type { RateLimitStore } from "./rate-limiter.js";

/**
 * Counters in Redis, shared by every server process. INCR and PEXPIRE NX run in one MULTI, so the
 * first hit starts the window and no key is ever left without an expiry.
 */
export function createRedisStore(client: Promise<RedisClient>, prefix: string): RateLimitStore {
  const keyOf = (key: string) => `${prefix}ratelimit:${key}`;
  return {
    async hit(key, windowMs) {
      const redis = await client;
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
      await (await client).del(keyOf(key));
    },
    async close() {
      const redis = await client.catch(() => null);
      if (redis?.isOpen) await redis.close();
    },
  };
}
