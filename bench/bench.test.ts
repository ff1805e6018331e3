import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";

const POSTGRES_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const dir = mkdtempSync(path.join(tmpdir(), "parley-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ZFigures = z.object({
  runs: z.array(
    z.object({
      kind: z.enum(["pglite", "postgres"]),
      parley: z.object({
        throughput: z.object({ committedPerSecond: z.number().positive() }),
        paced: z.object({
          latency: z.object({ p99: z.number() }),
          orderViolations: z.number(),
          missing: z.number(),
          errors: z.number(),
        }),
      }),
      raw: z.object({ throughput: z.object({ committedPerSecond: z.number().positive() }) }),
      firstPage: z.object({ p95: z.number().positive() }),
      search: z.object({ p95: z.number().positive() }),
      memory: z.object({ sockets: z.number().positive() }),
      checkout: z.object({ winners: z.number(), conflicts: z.number(), other: z.number() }),
    }),
  ),
  hotRooms: z.array(
    z.object({
      kind: z.enum(["pglite", "postgres"]),
      raw: z.object({ sockets: z.number(), joinMs: z.number().positive() }),
      parley: z.object({
        sockets: z.number(),
        joinMs: z.number().positive(),
        paced: z.object({
          sent: z.number(),
          latency: z.object({ count: z.number(), p99: z.number() }),
          orderViolations: z.number(),
          missing: z.number(),
          errors: z.number(),
        }),
        cpuPerDeliveryUs: z.number(),
      }),
    }),
  ),
});

// Not how fast: that it still runs end to end, on both databases, and produces every figure.
describe("npm run bench -- --quick", () => {
  it("runs against PGlite and the PostgreSQL server and writes the report", async () => {
    const out = path.join(dir, "PERFORMANCE.md");
    const json = path.join(dir, "figures.json");
    await promisify(execFile)(
      process.execPath,
      [
        "--import",
        "tsx",
        "bench/run.ts",
        "--quick",
        "--database-url",
        POSTGRES_URL,
        "--out",
        out,
        "--json",
        json,
      ],
      // Room for the hot-room scenario on both databases, on a loaded machine.
      { cwd: path.resolve(import.meta.dirname, ".."), timeout: 230_000 },
    );
    const figures = ZFigures.parse(JSON.parse(readFileSync(json, "utf8")));
    expect(figures.runs.map((run) => run.kind)).toEqual(["pglite", "postgres"]);
    for (const run of figures.runs) {
      expect(Number.isFinite(run.parley.paced.latency.p99)).toBe(true);
      expect(run.parley.paced.orderViolations).toBe(0);
      // Every paced message was acked and delivered to every socket in its room.
      expect(run.parley.paced.errors).toBe(0);
      expect(run.parley.paced.missing).toBe(0);
      // The race ran: exactly one buyer won, every other was told the item is taken.
      expect(run.checkout).toEqual({ winners: 1, conflicts: 9, other: 0 });
    }
    // The hot room ran on both: every socket joined, and every message reached every socket, in order.
    expect(figures.hotRooms.map((run) => run.kind)).toEqual(["pglite", "postgres"]);
    for (const { parley } of figures.hotRooms) {
      expect(parley.sockets).toBe(100);
      expect(parley.paced.sent).toBeGreaterThan(0);
      expect(parley.paced.errors).toBe(0);
      expect(parley.paced.missing).toBe(0);
      expect(parley.paced.orderViolations).toBe(0);
      expect(parley.paced.latency.count).toBe(parley.paced.sent * parley.sockets);
    }
    const report = readFileSync(out, "utf8");
    expect(report).toContain("## Targets");
    expect(report).toContain("Persisted chat throughput");
    expect(report).toContain("## Hot room: a crowd in one room");
  }, 240_000);
});
