import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "../server/db/db.js";
import { openPglite } from "../server/db/pglite.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer | undefined;
let db: Db | undefined;
afterEach(async () => {
  await server?.close();
  await db?.close();
  server = db = undefined;
});

describe("the embedded database's upkeep", () => {
  it("is vacuumed by the app from its start (PGlite has no autovacuum)", async () => {
    const pglite = await openPglite(undefined);
    db = pglite;
    let vacuums = 0;
    server = await startServer({
      db: {
        ...pglite,
        async vacuum() {
          vacuums++;
          await pglite.vacuum?.();
        },
      },
    });
    expect(vacuums).toBe(1);
  });
});
