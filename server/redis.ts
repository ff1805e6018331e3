import { createClient } from "redis";

/**
 * A Redis client that is not connected yet. Commands fail at once while the connection is down (no
 * offline queue), so a Redis outage shows up as an error in the caller instead of requests that hang.
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
  if (client.isReady) await client.close();
  else if (client.isOpen) client.destroy();
}
