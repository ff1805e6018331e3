import { createAdapter } from "@socket.io/redis-adapter";
import type { Logger } from "pino";
import { createRedis } from "../redis.js";

/** How long start-up waits for Redis before serving anyway; the clients keep reconnecting behind it. */
const CONNECT_WAIT_MS = 5_000;

export type RedisAdapter = {
  /** For `new Server(…, { adapter })`. */
  adapter: ReturnType<typeof createAdapter>;
  close(): Promise<void>;
};

/**
 * The Socket.IO Redis pub/sub adapter (see docs/adr/0003-redis-adapter.md): every broadcast, room
 * query (`fetchSockets`) and `disconnectSockets` reaches the sockets of every process sharing `prefix`.
 * Redis being down never crashes the process: errors are logged, the clients reconnect and resubscribe,
 * and broadcasts made meanwhile reach this process's own sockets only (clients catch up with `afterSeq`).
 */
export async function createRedisAdapter(url: string, prefix: string, logger: Logger): Promise<RedisAdapter> {
  const pub = createRedis(url);
  const sub = pub.duplicate();
  let lastError = "";
  for (const [name, client] of [
    ["publisher", pub],
    ["subscriber", sub],
  ] as const) {
    client.on("error", (error: unknown) => {
      // A reconnect loop repeats the same error many times a second: log each new one once.
      const message = error instanceof Error ? error.message : String(error);
      if (message !== lastError) logger.warn({ client: name, err: message }, "redis error");
      lastError = message;
    });
    client.on("ready", () => {
      lastError = "";
      logger.info({ client: name }, "redis ready");
    });
  }
  const connected = Promise.all([pub.connect(), sub.connect()]).then(
    () => true,
    (error: unknown) => {
      logger.error({ err: error }, "redis connect failed");
      return false;
    },
  );
  const ok = await Promise.race([
    connected,
    new Promise<false>((resolve) => setTimeout(() => resolve(false), CONNECT_WAIT_MS).unref()),
  ]);
  if (!ok)
    logger.warn({ url: redactUrl(url) }, "serving without Redis for now: other processes miss broadcasts");

  // The adapter publishes without awaiting; a publish that fails while Redis is away must not become an
  // unhandled rejection (which would end the process).
  const safePub = new Proxy(pub, {
    get(target, property, receiver) {
      if (property === "publish") {
        return (channel: string, message: string | Buffer) =>
          target.publish(channel, message).catch((error: unknown) => {
            logger.warn(
              { err: error instanceof Error ? error.message : String(error) },
              "redis publish failed",
            );
            return 0;
          });
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });

  return {
    adapter: createAdapter(safePub, sub, { key: prefix, requestsTimeout: 3_000 }),
    async close() {
      await Promise.all(
        [pub, sub].map((client) => (client.isOpen ? client.close().catch(() => {}) : Promise.resolve())),
      );
    },
  };
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
