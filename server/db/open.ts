import path from "node:path";
import type { Config } from "../config.js";
import type { Db } from "./db.js";
import { migrate } from "./migrate.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";

/** The configured database, migrated: a PostgreSQL server if `DATABASE_URL` is set, else PGlite in `DATA_DIR`. */
export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "dataDir" | "databaseTimeouts">,
): Promise<Db> {
  const db = config.databaseUrl
    ? await openPostgres(config.databaseUrl, { timeouts: config.databaseTimeouts })
    : await openPglite(path.join(config.dataDir, "db"));
  await migrate(db);
  return db;
}
