import { mkdirSync } from "node:fs";
import { PGlite, parse, protocol } from "@electric-sql/pglite";
import { fuzzystrmatch } from "@electric-sql/pglite/contrib/fuzzystrmatch";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { type Db, type Queryable, statementName } from "./db.js";

const { serialize } = protocol;

/**
 * Named prepared statements on PGlite. Its query API parses and plans every statement anew, which for
 * a hot statement costs more than running it; here a statement is parsed once under its name and its
 * parameters' types kept, then each call binds, runs and syncs it in one call of the wire protocol, as
 * a server's connection does with a prepared statement. The caller holds PGlite's query lock.
 */
function preparedStatements(pg: PGlite) {
  /** Each prepared statement's parameter types, by its name. */
  const statements = new Map<string, number[]>();
  const prepare = async (name: string, sql: string): Promise<number[]> => {
    const known = statements.get(name);
    if (known) return known;
    const described = await pg.execProtocol(
      Buffer.concat([
        serialize.parse({ name, text: sql }),
        serialize.describe({ type: "S", name }),
        serialize.sync(),
      ]),
      { syncToFs: false },
    );
    const types = parse.parseDescribeStatementResults(described.messages);
    statements.set(name, types);
    return types;
  };
  return async <T>(sql: string, params: unknown[], inTransaction: boolean): Promise<T[]> => {
    const name = statementName(sql);
    const types = await prepare(name, sql);
    // As PGlite's own query serializes parameters: by the type the statement gives each.
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = pg.serializers[types[i] ?? 0];
      return serializer ? serializer(value) : String(value);
    });
    // An error skips the rest up to the sync, which ends the statement's implicit transaction (outside
    // one of ours) or leaves ours failed, as with any failed query; it is thrown after the sync ran.
    const result = await pg.execProtocol(
      Buffer.concat([
        serialize.bind({ statement: name, values }),
        serialize.describe({ type: "P" }),
        serialize.execute({}),
        serialize.sync(),
      ]),
      { syncToFs: !inTransaction },
    );
    const [rows] = parse.parseResults(result.messages, pg.parsers);
    return (rows?.rows ?? []) as T[];
  };
}

/** Embedded PostgreSQL in `dir` (in memory when `dir` is undefined). */
export async function openPglite(dir: string | undefined): Promise<Db> {
  if (dir) mkdirSync(dir, { recursive: true });
  // Search's extensions (migration 0020): a PostgreSQL server ships them as contrib modules.
  const extensions = { pg_trgm, unaccent, fuzzystrmatch };
  const pg = dir ? new PGlite(dir, { extensions }) : new PGlite({ extensions });
  await pg.waitReady;
  const runPrepared = preparedStatements(pg);
  const wrap = (q: Pick<PGlite, "query">, inTransaction: boolean): Queryable => ({
    async query<T>(sql: string, params: unknown[] = [], options?: { prepared?: boolean }) {
      if (!options?.prepared) return (await q.query<T>(sql, params)).rows;
      const run = () => pg._runExclusiveQuery(() => runPrepared<T>(sql, params, inTransaction));
      // Outside a transaction, as PGlite's own query: never between the statements of an open one.
      return inTransaction ? run() : pg._runExclusiveTransaction(run);
    },
  });
  const root = wrap(pg, false);
  return {
    query: root.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx, true))),
    // Also refreshes the tables' sizes the planner reads, which sends the prepared statements that use
    // them back to be planned: their plans follow the tables' growth, as after a server's autovacuum.
    vacuum: async () => {
      await pg.exec("vacuum");
    },
    close: () => pg.close(),
  };
}
