import { createAdapter } from "@socket.io/redis-adapter";
import type { Logger } from "pino";
import { closeRedis, createRedis, guardRedis } from "../redis.js";

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
export async function createRedisAdapter(
  url: string,
  prefix: string,
  logger: Logger,
  commandTimeoutMs = 1_000,
): Promise<RedisAdapter> {
  const pub = createRedis(url);
  // The subscriber keeps its commands until connected: the adapter subscribes once, at construction,
  // and the client resubscribes by itself after every reconnect.
  const sub = pub.duplicate({ disableOfflineQueue: false });
  let lastError = "";
  const warnOnce = (fields: Record<string, unknown>, error: unknown) => {
    // A reconnect loop repeats the same error many times a second: log each new one once.
    const message = error instanceof Error ? error.message : String(error);
    if (message !== lastError) logger.warn({ ...fields, err: message }, "redis error");
    lastError = message;
  };
  for (const [name, client] of [
    ["publisher", pub],
    ["subscriber", sub],
  ] as const) {
    client.on("error", (error: unknown) => warnOnce({ client: name }, error));
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

  // The adapter publishes and subscribes without awaiting; a command that fails or hangs while Redis is
  // away must neither become an unhandled rejection (which would end the process) nor pile up for ever.
  // Room queries (`fetchSockets`) wait at most `commandTimeoutMs` for Redis, then fail like any other.
  const guard = <C extends object>(client: C) =>
    guardRedis(client, {
      timeoutMs: commandTimeoutMs,
      fireAndForget: ["publish", "subscribe", "pSubscribe", "unsubscribe", "pUnsubscribe"],
      onError: (error, method) => warnOnce({ method }, error),
    });

  return {
    adapter: createAdapter(guard(pub), guard(sub), { key: prefix, requestsTimeout: 3_000 }),
    async close() {
      await Promise.all([closeRedis(pub), closeRedis(sub)]);
    },
  };
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
