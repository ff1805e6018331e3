import { createClient } from "redis";

/**
 * A connected Redis client. Commands fail at once while the connection is down (no offline queue), so a
 * Redis outage shows up as an error in the caller instead of requests that hang.
 */
export async function connectRedis(url: string): Promise<RedisClient> {
  const client = createRedisClient(url);
  // Without a listener an 'error' event would crash the process; the failing command reports it instead.
  client.on("error", () => {});
  await client.connect();
  return client;
}

function createRedisClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 5_000, reconnectStrategy: (retries) => Math.min(retries * 100, 2_000) },
  });
}

export type RedisClient = ReturnType<typeof createRedisClient>;
