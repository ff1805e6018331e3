import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { openDatabase } from "./db/open.js";
import { createLogger } from "./logger.js";
import { createRedisAdapter } from "./realtime/redis-adapter.js";

const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = await openDatabase(config);
// dist/server/main.js serves dist/client; under tsx, server/main.ts serves the same built folder.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const clientDir =
  path.basename(root) === "dist" ? path.join(root, "client") : path.join(root, "dist", "client");
const redis = config.redisUrl
  ? await createRedisAdapter(config.redisUrl, config.redisPrefix, logger, config.redisCommandTimeoutMs)
  : undefined;
const app = createApp({ config, db, logger, clientDir, ...(redis ? { redis } : {}) });
const port = await app.listen();

const database = config.databaseUrl
  ? "PostgreSQL server"
  : `embedded PostgreSQL in ${path.join(config.dataDir, "db")}`;
logger.info({ port, database, redis: Boolean(redis), pid: process.pid }, "Parley is listening");
console.log(`\n  Parley is running: http://localhost:${port}\n`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
