import path from "node:path";
import type { Config } from "../config.js";
import { lockDataDir, tightenPermissions } from "./data-dir-lock.js";
import type { Db } from "./db.js";
import { migrate } from "./migrate.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";

/**
 * The configured database, migrated: a PostgreSQL server if `DATABASE_URL` is set, else PGlite in
 * `DATA_DIR`, which this process then holds locked until `close()` (or its death): a second process on the
 * same directory gets `DataDirBusyError` instead of a database.
 */
export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "dataDir" | "databaseTimeouts">,
): Promise<Db> {
  if (config.databaseUrl) {
    const db = await openPostgres(config.databaseUrl, { timeouts: config.databaseTimeouts });
    await migrate(db);
    return db;
  }
  const lock = lockDataDir(config.dataDir);
  try {
    const db = await openPglite(path.join(config.dataDir, "db"));
    await migrate(db);
    tightenPermissions(config.dataDir);
    return {
      ...db,
      async close() {
        try {
          await db.close();
          tightenPermissions(config.dataDir);
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
