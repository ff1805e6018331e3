import type { Db } from "./db.js";
import { migrations } from "./migrations/index.js";

/** Any constant: the lock that keeps two starting processes from migrating at once. */
const MIGRATION_LOCK = 7_304_221;

/** Applies every migration not yet applied, in order, in one transaction. */
export async function migrate(db: Db): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query(
      "create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())",
    );
    const done = new Set(
      (await tx.query<{ version: string }>("select version from schema_migrations")).map(
        (row) => row.version,
      ),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query("insert into schema_migrations (version) values ($1)", [migration.version]);
      applied.push(migration.version);
    }
    return applied;
  });
}
