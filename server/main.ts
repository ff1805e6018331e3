import path from "node:path";
import { fileURLToPath } from "node:url";
import { localTasks, startAdminSocket } from "./admin/admin-socket.js";
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { DataDirBusyError } from "./db/data-dir-lock.js";
import { openDatabase } from "./db/open.js";
import { createLogger } from "./logger.js";
import { createRedisAdapter } from "./realtime/redis-adapter.js";

const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = await openDatabase(config).catch((error: unknown) => {
  if (!(error instanceof DataDirBusyError)) throw error;
  console.error(
    `\n  ${error.message}.\n  Stop it first, or give this one another DATA_DIR (or a DATABASE_URL).\n`,
  );
  process.exit(1);
});
// dist/server/main.js serves dist/client; under tsx, server/main.ts serves the same built folder.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const clientDir =
  path.basename(root) === "dist" ? path.join(root, "client") : path.join(root, "dist", "client");
const redis = config.redisUrl
  ? await createRedisAdapter(config.redisUrl, config.redisPrefix, logger, config.redisCommandTimeoutMs)
  : undefined;
const app = createApp({ config, db, logger, clientDir, ...(redis ? { redis } : {}) });
const port = await app.listen();
// The operator scripts cannot open the embedded database while this process holds it: they ask here.
const adminSocket = config.databaseUrl
  ? undefined
  : await startAdminSocket({
      dataDir: config.dataDir,
      secret: config.jwtSecret,
      logger,
      tasks: localTasks({ db, ...app.services }),
    }).catch((error: unknown) => {
      // A DATA_DIR path too long for a unix socket: the scripts then refuse plainly instead.
      logger.warn({ err: error }, "no admin socket: operator scripts will refuse while this server runs");
      return undefined;
    });

const database = config.databaseUrl
  ? "PostgreSQL server"
  : `embedded PostgreSQL in ${path.join(config.dataDir, "db")}`;
logger.info({ port, database, redis: Boolean(redis), pid: process.pid }, "Parley is listening");
console.log(`\n  Parley is running: ${listenUrl(config.host, port)}\n`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    Promise.resolve(adminSocket?.close())
      .then(() => app.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}

/** The address to open: a wildcard host means every interface, of which this machine's own is the one to show. */
function listenUrl(host: string, port: number): string {
  const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}
