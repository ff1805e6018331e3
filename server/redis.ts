import { createClient } from "redis";
import { withTimeout } from "./with-timeout.js";

/**
 * A Redis client that is not connected yet. Commands fail at once while the connection is down (no
 * offline queue), so a Redis outage shows up as an error in the caller instead of requests that hang.
 * A Redis that accepts and never answers is bounded by `withTimeout` at each call site: the client's own
 * command timeout stops counting once a command is written.
 */
export function createRedis(url: string) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 5_000, reconnectStrategy: (retries) => Math.min(retries * 100, 2_000) },
  });
  // Without a listener an 'error' event would crash the process; the failing command reports it instead.
  client.on("error", () => {});
  return client;
}

export type RedisClient = ReturnType<typeof createRedis>;

/** Closes the client whatever state it is in: gracefully if connected, at once if still trying. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.isReady) await withTimeout(client.close(), 1_000, "redis close").catch(() => client.destroy());
  else if (client.isOpen) client.destroy();
}

/**
 * `client` with every promise its methods return bounded by `timeoutMs`. Methods named in `fireAndForget`
 * (the adapter publishes and subscribes without awaiting) never reject: their failure is reported to
 * `onError`, so a Redis outage can never become an unhandled rejection that ends the process.
 */
export function guardRedis<C extends object>(
  client: C,
  options: { timeoutMs: number; fireAndForget: string[]; onError: (error: unknown, method: string) => void },
): C {
  const swallow = new Set(options.fireAndForget);
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "constructor") return value;
      const method = String(property);
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        const bounded = withTimeout(result, options.timeoutMs, method);
        if (!swallow.has(method)) return bounded;
        return bounded.catch((error: unknown) => {
          options.onError(error, method);
          return 0;
        });
      };
    },
  });
}
