import { mkdirSync } from "node:fs";
import { PGlite, parse, protocol } from "@electric-sql/pglite";
import { fuzzystrmatch } from "@electric-sql/pglite/contrib/fuzzystrmatch";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { type Db, type Queryable, statementName } from "./db.js";

const { serialize } = protocol;

/** Wire messages as one buffer: PGlite runs them all in one call. */
function messages(...parts: Uint8Array[]): Uint8Array {
  const buffer = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    buffer.set(part, offset);
    offset += part.length;
  }
  return buffer;
}

/**
 * How long PGlite keeps a prepared statement's plan: a plan is made for the tables' sizes of the moment,
 * and PGlite has no autovacuum whose ANALYZE would make it plan again (a server's does), so a plan made
 * while a table was small (a scan of every row, the cheapest then) would stay while the table grows.
 * Parsed again after this many runs or this long, a statement follows its tables for a planning a minute.
 */
export type PlanLife = { runs: number; ms: number };
const PLAN_LIFE: PlanLife = { runs: 500, ms: 60_000 };

type Prepared = { types: number[]; runs: number; at: number };

/**
 * Named prepared statements on PGlite. Its query API parses and plans every statement anew, which for
 * a hot statement costs more than running it; here a statement is parsed once under its name and its
 * parameters' types kept, then each call binds, runs and syncs it in one call of the wire protocol, as
 * a server's connection does with a prepared statement. The caller holds PGlite's query lock.
 */
function preparedStatements(pg: PGlite, life: PlanLife) {
  const statements = new Map<string, Prepared>();
  const prepare = async (name: string, sql: string): Promise<Prepared> => {
    const known = statements.get(name);
    if (known && known.runs < life.runs && Date.now() - known.at < life.ms) return known;
    statements.delete(name);
    const described = await pg.execProtocol(
      messages(
        ...(known ? [serialize.close({ type: "S", name })] : []),
        serialize.parse({ name, text: sql }),
        serialize.describe({ type: "S", name }),
        serialize.sync(),
      ),
      { syncToFs: false },
    );
    const prepared = {
      types: parse.parseDescribeStatementResults(described.messages),
      runs: 0,
      at: Date.now(),
    };
    statements.set(name, prepared);
    return prepared;
  };
  return async <T>(sql: string, params: unknown[], inTransaction: boolean): Promise<T[]> => {
    const name = statementName(sql);
    const statement = await prepare(name, sql);
    statement.runs++;
    // As PGlite's own query serializes parameters: by the type the statement gives each.
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = pg.serializers[statement.types[i] ?? 0];
      return serializer ? serializer(value) : String(value);
    });
    // An error skips the rest up to the sync, which ends the statement's implicit transaction (outside
    // one of ours) or leaves ours failed, as with any failed query; it is thrown after the sync ran.
    const result = await pg.execProtocol(
      messages(
        serialize.bind({ statement: name, values }),
        serialize.describe({ type: "P" }),
        serialize.execute({}),
        serialize.sync(),
      ),
      { syncToFs: !inTransaction },
    );
    const [rows] = parse.parseResults(result.messages, pg.parsers);
    return (rows?.rows ?? []) as T[];
  };
}

/** Embedded PostgreSQL in `dir` (in memory when `dir` is undefined); `planLife` for tests. */
export async function openPglite(
  dir: string | undefined,
  options: { planLife?: PlanLife } = {},
): Promise<Db> {
  if (dir) mkdirSync(dir, { recursive: true });
  // Search's extensions (migration 0020): a PostgreSQL server ships them as contrib modules.
  const extensions = { pg_trgm, unaccent, fuzzystrmatch };
  const pg = dir ? new PGlite(dir, { extensions }) : new PGlite({ extensions });
  await pg.waitReady;
  const runPrepared = preparedStatements(pg, options.planLife ?? PLAN_LIFE);
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
    vacuum: async () => {
      await pg.exec("vacuum");
    },
    close: () => pg.close(),
  };
}
