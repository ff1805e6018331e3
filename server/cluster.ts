import cluster from "node:cluster";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "./config.js";

/**
 * `npm run start:cluster`: CLUSTER_WORKERS server processes (default 2) behind one port with node:cluster.
 * They share nothing in memory: PostgreSQL holds the state and Redis carries the broadcasts, so both
 * DATABASE_URL and REDIS_URL are required. Clients connect with the WebSocket transport only (the web
 * app does), which needs no sticky sessions; HTTP long-polling would, because its requests must reach the
 * process holding the session: put a sticky load balancer in front, or run processes on their own ports.
 */
const config = loadConfig();
const missing = [
  config.databaseUrl
    ? null
    : "DATABASE_URL (a PostgreSQL server: embedded PGlite cannot be shared by processes)",
  config.redisUrl ? null : "REDIS_URL (Redis carries broadcasts between the processes)",
].filter((line): line is string => line !== null);
if (missing.length > 0) {
  console.error(`start:cluster needs:\n${missing.map((line) => `  ${line}`).join("\n")}`);
  process.exit(1);
}

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), "main.js");
cluster.setupPrimary({ exec: main });
let stopping = false;
for (let i = 0; i < config.clusterWorkers; i++) cluster.fork();
cluster.on("exit", (worker, code, signal) => {
  if (stopping) return;
  console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
  cluster.fork();
});
console.log(`Parley cluster: ${config.clusterWorkers} processes on port ${config.port}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    cluster.on("exit", () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
}
