import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startChild } from "./helpers/child-process.js";
import { call } from "./helpers/http.js";
import { runScript } from "./helpers/processes.js";

// apikey:create, apikey:list and apikey:revoke beside a live server on the embedded database: the server holds
// DATA_DIR, so the scripts go through its admin socket, and the key works (or stops) at once.
const dataDir = mkdtempSync(path.join(tmpdir(), "parley-apikeys-"));
const env = { DATA_DIR: dataDir, LOG_LEVEL: "warn" };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("API key scripts and the embedded database", () => {
  it("create a key through the running server, print it once, list it, and revoke it by its prefix", async () => {
    const server = await startChild("server/main.ts", env);
    try {
      const none = await runScript("apikey-list.ts", [], env);
      expect([none.code, none.output.trim()]).toEqual([
        0,
        "No API keys yet. Make one with npm run apikey:create -- --name NAME",
      ]);
      const usage = await runScript("apikey-create.ts", [], env);
      expect(usage.code).toBe(2);
      expect(usage.output).toContain("Usage: npm run apikey:create -- --name NAME");

      const created = await runScript("apikey-create.ts", ["--name", "accounting"], env);
      expect(created.code).toBe(0);
      const key = /^(parley_[A-Za-z0-9_-]{43})$/m.exec(created.output)?.[1] ?? "";
      const prefix = /prefix (parley_\S{8})\)/.exec(created.output)?.[1] ?? "";
      expect(key.startsWith(prefix)).toBe(true);
      expect((await call(server.url, "GET", "/api/feed", { token: key })).status).toBe(200);

      // The list names the key by its prefix, says it was used and is not revoked, and never shows it.
      const listed = await runScript("apikey-list.ts", [], env);
      expect(listed.code).toBe(0);
      expect(listed.output).not.toContain(key);
      const row = (output: string) => output.split("\n").find((line) => line.startsWith(prefix)) ?? "";
      expect(row(listed.output)).toMatch(
        /^parley_\S{8}\s+accounting\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+—\s+[0-9a-f-]{36}$/,
      );

      const revoked = await runScript("apikey-revoke.ts", [prefix], env);
      expect(revoked.code).toBe(0);
      expect(revoked.output).toContain('Revoked API key "accounting"');
      expect((await call(server.url, "GET", "/api/feed", { token: key })).status).toBe(401);
      const afterRevoke = await runScript("apikey-list.ts", [], env);
      expect(row(afterRevoke.output)).toMatch(
        /UTC\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+[0-9a-f-]{36}$/,
      );
      const unknown = await runScript("apikey-revoke.ts", ["parley_nothing1"], env);
      expect(unknown.code).toBe(1);
      expect(unknown.output).toContain('No API key has the id or prefix "parley_nothing1"');
    } finally {
      await server.stop();
    }
  }, 240_000);
});
