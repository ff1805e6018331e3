import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino, { type Logger } from "pino";
import { type App, createApp } from "../../server/app.js";
import { loadConfig } from "../../server/config.js";
import type { Db } from "../../server/db/db.js";
import { migrate } from "../../server/db/migrate.js";
import { openPglite } from "../../server/db/pglite.js";
import { openPostgres } from "../../server/db/postgres.js";
import { createRedisAdapter } from "../../server/realtime/redis-adapter.js";
import { UNTHROTTLED_ENV } from "./unthrottled.js";

export type TestServer = {
  url: string;
  app: App;
  db: Db;
  dataDir: string;
  /** The signing secret, so tests can mint tokens the server would otherwise never issue. */
  jwtSecret: string;
  close(): Promise<void>;
};

export type TestServerOptions = {
  /** Extra environment, as an operator would set it. */
  env?: Record<string, string>;
  /** Reuse a database (a restart); by default each server gets a fresh one. */
  db?: Db;
  /** A built web app to serve at `/` (browser tests). */
  clientDir?: string;
  /** Where the server logs; silent by default. */
  logger?: Logger;
  /** Broadcast through the Socket.IO Redis adapter at `REDIS_URL`, as `main.ts` does. */
  redisAdapter?: boolean;
};

/**
 * A real server on port 0. Its database is fresh: an in-memory PGlite, or, when `DATABASE_URL` is set,
 * a new schema of its own on that PostgreSQL server (dropped on close).
 */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "parley-test-"));
  const jwtSecret = randomBytes(32).toString("hex");
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: "silent",
    // Every test talks from 127.0.0.1: limits per address are lifted unless a test sets its own, and each
    // server counts in Redis under a prefix of its own.
    ...UNTHROTTLED_ENV,
    REDIS_PREFIX: `parley-test-${randomBytes(6).toString("hex")}`,
    ...options.env,
  });
  const schema = config.databaseUrl ? `t_${randomBytes(6).toString("hex")}` : undefined;
  const db =
    options.db ??
    (config.databaseUrl
      ? await openPostgres(config.databaseUrl, { schema, max: 5, timeouts: config.databaseTimeouts })
      : await openPglite(undefined));
  await migrate(db);
  const logger = options.logger ?? pino({ level: "silent" });
  const redis =
    options.redisAdapter && config.redisUrl
      ? await createRedisAdapter(config.redisUrl, config.redisPrefix, logger, config.redisCommandTimeoutMs)
      : undefined;
  const app = createApp({
    config,
    db,
    logger,
    ...(redis ? { redis } : {}),
    ...(options.clientDir ? { clientDir: options.clientDir } : {}),
  });
  const port = await app.listen(0, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    db,
    dataDir,
    jwtSecret,
    async close() {
      await app.stopBackground();
      await new Promise<void>((resolve) => app.io.close(() => resolve()));
      await redis?.close();
      if (!options.db) {
        if (schema && config.databaseUrl) await db.query(`drop schema ${schema} cascade`).catch(() => {});
        await db.close();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
