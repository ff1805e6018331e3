import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lockDataDir } from "../server/db/data-dir-lock.js";
import type { ItemPage } from "../shared/items.js";
import { startChild } from "./helpers/child-process.js";
import { call } from "./helpers/http.js";
import { runScript } from "./helpers/processes.js";

// The operator's scripts beside a live server on the embedded database, each its own process, as an operator
// runs them: the server holds DATA_DIR, the scripts go through it, and nothing is lost on a restart or a crash.
const dataDir = mkdtempSync(path.join(tmpdir(), "parley-operator-"));
const env = { DATA_DIR: dataDir, LOG_LEVEL: "warn" };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const signIn = (url: string, username: string, password: string) =>
  call(url, "POST", "/api/auth/login", { body: { username, password } });
const titles = async (url: string) =>
  (await call<ItemPage>(url, "GET", "/api/items?limit=100")).body.items.map((item) => item.title);

/** Every path under `dir` whose mode lets group or others write (or, for directories, enter). */
function loosePermissions(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => (statSync(file).mode & 0o777 & (statSync(file).isDirectory() ? 0o077 : 0o022)) !== 0);
}

describe("operator scripts and the embedded database", () => {
  it("create users and seed through the running server, refuse a second server, and survive restarts and kill -9", async () => {
    const server = await startChild("server/main.ts", env);
    try {
      const created = await runScript(
        "user-create.ts",
        ["--username", "opmod", "--role", "moderator"],
        env,
        "a long moderator password\n",
      );
      expect(created.output).toContain("Created moderator opmod");
      expect(created.code).toBe(0);
      // The running server sees the row at once.
      expect((await signIn(server.url, "opmod", "a long moderator password")).status).toBe(200);

      const seeded = await runScript("seed.ts", [], env);
      expect(seeded.output).toContain("Seeded 5 new items");
      expect(seeded.code).toBe(0);
      expect(await titles(server.url)).toContain("Hand-thrown stoneware mug");
      // Safe to run twice, and the taken username is a plain error, not a crash.
      expect((await runScript("seed.ts", [], env)).output).toContain("Seeded 0 new items");
      const again = await runScript("user-create.ts", ["--username", "opmod"], env, "another password\n");
      expect(again.code).toBe(1);
      expect(again.output).toContain("That username is taken");

      // A second server on the same directory refuses plainly instead of opening the database twice.
      await expect(startChild("server/main.ts", env)).rejects.toThrow(
        /running on the data directory[\s\S]*Stop it first/,
      );
      expect((await signIn(server.url, "opmod", "a long moderator password")).status).toBe(200);
    } finally {
      await server.stop();
    }

    // A restart keeps every row.
    const restarted = await startChild("server/main.ts", env);
    try {
      expect((await signIn(restarted.url, "opmod", "a long moderator password")).status).toBe(200);
      expect((await signIn(restarted.url, "maria", "parley-demo")).status).toBe(200);
    } finally {
      // A crash: the lock must not outlive the process.
      await restarted.kill();
    }

    // With no server, the script opens the database itself, then lets go of it.
    const direct = await runScript(
      "user-create.ts",
      ["--username", "offline", "--role", "buyer"],
      env,
      "pass phrase 1\n",
    );
    expect(direct.code).toBe(0);
    const afterCrash = await startChild("server/main.ts", env);
    try {
      expect((await signIn(afterCrash.url, "offline", "pass phrase 1")).status).toBe(200);
      expect((await signIn(afterCrash.url, "opmod", "a long moderator password")).status).toBe(200);
      expect(await titles(afterCrash.url)).toContain("Vintage road bike");
    } finally {
      await afterCrash.stop();
    }

    // DATA_DIR is the owner's alone: PGlite's files are created 0666, and none may stay so.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(loosePermissions(dataDir)).toEqual([]);
  }, 420_000);

  it("refuses plainly when another process that is not a server holds the directory", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "parley-operator-"));
    const lock = lockDataDir(dir);
    try {
      const result = await runScript("seed.ts", [], { DATA_DIR: dir });
      expect(result.code).toBe(1);
      expect(result.output).toContain(`Process ${process.pid} is using the data directory`);
    } finally {
      lock.release();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
