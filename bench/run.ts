import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { z } from "zod";
import { createTokenSigner } from "../server/auth/tokens.js";
import type { Db } from "../server/db/db.js";
import { migrate } from "../server/db/migrate.js";
import { openPglite } from "../server/db/pglite.js";
import { openPostgres } from "../server/db/postgres.js";
import { startChild } from "../test/helpers/child-process.js";
import { checkoutRace, getLatency } from "./http.js";
import {
  gather,
  hotRoom,
  idleSockets,
  paced,
  parleyHotTarget,
  parleyTarget,
  rawHotTarget,
  rawTarget,
  saturate,
  type Target,
} from "./load.js";
import { summarizeProfile, type Window } from "./profile.js";
import { type DatabaseRun, type HotRoomRun, type Machine, renderHotRoom, renderReport } from "./report.js";
import { BENCH_PASSWORD, seed } from "./seed.js";
import { cpuSecondsOfAll, mapLimit } from "./stats.js";

/**
 * `npm run bench`: measures Parley against the issue-6 targets and the hot room of issue 16, and a raw
 * Socket.IO relay under the same load, on embedded PGlite and on the PostgreSQL server, and writes
 * docs/PERFORMANCE.md. `npm run bench -- --scenario hot-room` runs the hot room alone and rewrites only
 * its section. `npm run bench -- --quick` is the seconds-long smoke run (writes nothing unless --out is given).
 */
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    db: { type: "string", default: "both" },
    "database-url": { type: "string" },
    out: { type: "string" },
    json: { type: "string" },
    profile: { type: "boolean" },
    scenario: { type: "string", default: "all" },
  },
});
const options = z
  .object({
    quick: z.boolean(),
    db: z.enum(["both", "pglite", "postgres"]),
    "database-url": z.url({ protocol: /^postgres(ql)?$/ }),
    out: z.string().optional(),
    json: z.string().optional(),
    profile: z.boolean().optional(),
    scenario: z.enum(["all", "hot-room"]),
  })
  .parse({
    ...values,
    "database-url":
      values["database-url"] ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  });

const SIZES = options.quick
  ? {
      items: 2_000,
      chatUsers: 4,
      chatSockets: 20,
      rooms: 5,
      saturateSeconds: 2,
      rate: 200,
      pacedSeconds: 2,
      idle: 200,
      httpCount: 30,
      buyers: 10,
      settleMs: 300,
      hotSockets: 100,
      hotRate: 50,
      hotSeconds: 2,
    }
  : {
      items: 100_000,
      chatUsers: 50,
      chatSockets: 200,
      rooms: 50,
      saturateSeconds: 10,
      rate: 1_000,
      pacedSeconds: 10,
      idle: 10_000,
      httpCount: 300,
      buyers: 100,
      settleMs: 3_000,
      hotSockets: 1_000,
      hotRate: 50,
      hotSeconds: 10,
    };
export type Sizes = typeof SIZES;
// A profiler slows the server it watches: figures held against the targets come from unprofiled runs.
const profiling = options.profile ?? false;
const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
const machine: Machine = {
  cpu: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "unknown"}`,
  memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  node: process.version,
  os: `${os.type()} ${os.release()}`,
  loadBefore: os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(" "),
  date: new Date().toISOString(),
};

const kinds = options.db === "both" ? (["pglite", "postgres"] as const) : [options.db];
const runs: DatabaseRun[] = [];
const hotRooms: HotRoomRun[] = [];
for (const kind of kinds) {
  const { run, hotRoom } = await runOn(kind);
  if (run) runs.push(run);
  hotRooms.push(hotRoom);
}
machine.loadAfter = os
  .loadavg()
  .map((value) => value.toFixed(2))
  .join(" ");

const report =
  options.scenario === "all"
    ? renderReport({ machine, command, sizes: SIZES, runs, quick: options.quick })
    : null;
const hotRoomSection = renderHotRoom({
  machine,
  command,
  sizes: SIZES,
  runs: hotRooms,
  quick: options.quick,
});
const out =
  options.out ??
  (options.quick ? undefined : path.resolve(import.meta.dirname, "..", "docs", "PERFORMANCE.md"));
if (out) {
  const current = existsSync(out) ? readFileSync(out, "utf8") : "# Performance\n";
  // The catalog's section (npm run bench:catalog) is measured separately: keep it.
  const catalog = /<!-- catalog:start[\s\S]*?<!-- catalog:end -->/.exec(current)?.[0];
  const written = report
    ? [report.trimEnd(), hotRoomSection, catalog].filter((part) => part !== undefined).join("\n\n")
    : replaceHotRoom(current, hotRoomSection);
  writeFileSync(out, `${written.trimEnd()}\n`);
  log(`wrote ${out}`);
} else console.log(`${report ?? ""}\n${hotRoomSection}`);
if (options.json)
  writeFileSync(options.json, JSON.stringify({ machine, command, sizes: SIZES, runs, hotRooms }, null, 2));
process.exit(0);

/** `current` with its hot-room section replaced by `section` (put before the catalog's when there is none). */
function replaceHotRoom(current: string, section: string): string {
  const marked = /<!-- hot-room:start[\s\S]*?<!-- hot-room:end -->/;
  if (marked.test(current)) return current.replace(marked, section);
  const catalog = current.indexOf("<!-- catalog:start");
  if (catalog === -1) return `${current.trimEnd()}\n\n${section}`;
  return `${current.slice(0, catalog)}${section}\n\n${current.slice(catalog)}`;
}

async function runOn(kind: "pglite" | "postgres"): Promise<{ run: DatabaseRun | null; hotRoom: HotRoomRun }> {
  const everything = options.scenario === "all";
  const workDir = mkdtempSync(path.join(os.tmpdir(), "parley-bench-"));
  const jwtSecret = randomBytes(32).toString("hex");
  let dropDatabase = async () => {};
  let db: Db;
  const env: Record<string, string> = { JWT_SECRET: jwtSecret, LOG_LEVEL: "warn", DATA_DIR: workDir };
  let version = "";
  if (kind === "pglite") {
    db = await openPglite(path.join(workDir, "db"));
  } else {
    const name = `parley_bench_${randomBytes(5).toString("hex")}`;
    const admin = new pg.Client({ connectionString: options["database-url"] });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(options["database-url"]);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
    db = await openPostgres(url.toString());
    dropDatabase = async () => {
      const dropper = new pg.Client({ connectionString: options["database-url"] });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    };
  }
  try {
    await migrate(db);
    const [settings] = await db.query<{ version: string; synchronous_commit: string; fsync: string }>(
      "select version(), current_setting('synchronous_commit') as synchronous_commit, current_setting('fsync') as fsync",
    );
    version = `${settings?.version.split(",")[0] ?? ""} (synchronous_commit=${settings?.synchronous_commit}, fsync=${settings?.fsync})`;
    const itemCount = everything ? SIZES.items : SIZES.rooms + 3;
    log(`${kind}: seeding ${itemCount.toLocaleString("en")} items`);
    const seedStarted = Date.now();
    const seeded = await seed(db, {
      sellers: 20,
      buyers: Math.max(SIZES.idle, SIZES.buyers, SIZES.chatUsers, SIZES.hotSockets),
      items: itemCount,
    });
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    // PGlite is one process's: the server child opens it once the seeding is done.
    await db.close();

    const profileDir = path.join(workDir, "profile");
    mkdirSync(profileDir, { recursive: true });
    const server = await startChild(
      "server/main.ts",
      env,
      profiling ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
    );
    const relay = await startChild("bench/raw-relay.ts", {});
    let run: DatabaseRun | null = null;
    let hot: HotRoomRun;
    let window: Window | null = null;
    try {
      const tokens = createTokenSigner(jwtSecret, 3600);
      const mint = (user: { id: string }) => tokens.sign({ userId: user.id, role: "buyer", tokenVersion: 0 });
      const now = () => Number(process.hrtime.bigint() / 1000n);
      // The hot room first, on a fresh server: one item nobody has joined, each socket its own user.
      const hotItem = seeded.items[SIZES.rooms + 2]!;
      const hotTokens = seeded.buyers.slice(0, SIZES.hotSockets).map(mint);
      const hotOptions = {
        rate: SIZES.hotRate,
        seconds: SIZES.hotSeconds,
        // A server's database works in its own processes, outside Parley's CPU figure: shown beside it.
        ...(kind === "postgres" ? { databaseCpu: () => cpuSecondsOfAll("postgres") } : {}),
      };
      log(`${kind}/raw: hot room, ${SIZES.hotSockets} sockets`);
      const rawHot = await hotRoom(
        rawHotTarget(relay.url),
        hotTokens.map(() => undefined),
        hotItem,
        {
          ...hotOptions,
          pid: relay.pid,
        },
      );
      log(`${kind}/parley: hot room, ${SIZES.hotSockets} sockets`);
      const hotFrom = now();
      const parleyHot = await hotRoom(parleyHotTarget(server.url), hotTokens, hotItem, {
        ...hotOptions,
        pid: server.pid,
      });
      log(
        `${kind}: hot room joins ${parleyHot.joinMs.toFixed(0)} ms vs ${rawHot.joinMs.toFixed(0)} ms; p99 ${parleyHot.paced.latency.p99.toFixed(1)} vs ${rawHot.paced.latency.p99.toFixed(1)} ms`,
      );
      const hotWindow = { from: hotFrom, to: now() };
      hot = { kind, raw: rawHot, parley: parleyHot, profile: null };
      // With --profile, the profile covers the phases measured: here, Parley's hot room.
      if (!everything) window = hotWindow;
      else {
        // The chat users sign in through the API, as people do.
        const chatTokens = await mapLimit(seeded.buyers.slice(0, SIZES.chatUsers), 4, async (user) => {
          const response = await fetch(`${server.url}/api/auth/login`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ username: user.username, password: BENCH_PASSWORD }),
          });
          const body = z.object({ token: z.string() }).parse(await response.json());
          return body.token;
        });
        const rooms = seeded.items.slice(0, SIZES.rooms);

        const chat = async (target: Target, authTokens: string[]) => {
          log(`${kind}/${target.name}: ${SIZES.chatSockets} sockets in ${SIZES.rooms} rooms`);
          const crowd = await gather(target, authTokens, rooms, SIZES.chatSockets);
          try {
            const throughput = await saturate(target, crowd, SIZES.saturateSeconds);
            log(`${kind}/${target.name}: ${throughput.committedPerSecond.toFixed(0)} msg/s acked`);
            const latency = await paced(target, crowd, SIZES.rate, SIZES.pacedSeconds);
            log(`${kind}/${target.name}: p99 ${latency.latency.p99.toFixed(1)} ms at ${SIZES.rate} msg/s`);
            return { throughput, paced: latency };
          } finally {
            crowd.close();
          }
        };
        const raw = await chat(rawTarget(relay.url), []);
        const from = now();
        const parley = await chat(parleyTarget(server.url), chatTokens);
        window = { from, to: now() };

        log(`${kind}: ${SIZES.idle.toLocaleString("en")} idle sockets`);
        const idleTokens = seeded.buyers.slice(0, SIZES.idle).map(mint);
        const memory = await idleSockets(
          server.url,
          SIZES.idle,
          idleTokens,
          () => server.rss(),
          SIZES.settleMs,
        );
        const rawMemory = await idleSockets(relay.url, SIZES.idle, null, () => relay.rss(), SIZES.settleMs);

        log(`${kind}: listing and search`);
        const firstPage = await getLatency(server.url, ["/api/items"], SIZES.httpCount);
        const search = await getLatency(
          server.url,
          [
            "/api/items?q=walnut",
            "/api/items?q=red%20lamp",
            "/api/items?q=cop",
            "/api/items?q=vintage%20oak%20bike",
          ],
          SIZES.httpCount,
        );
        const checkout = await checkoutRace(
          server.url,
          seeded.items[SIZES.rooms + 1]!,
          seeded.buyers.slice(0, SIZES.buyers).map(mint),
        );
        run = {
          kind,
          version,
          seedSeconds,
          raw,
          parley,
          memory,
          rawMemory,
          firstPage,
          search,
          checkout,
          profile: null,
        };
      }
    } finally {
      await Promise.all([server.stop(), relay.stop()]);
    }
    // The server writes its profile as it exits.
    const profile = profiling ? summarizeProfile(profileDir, window) : null;
    if (run) run.profile = profile;
    else hot.profile = profile;
    return { run, hotRoom: hot };
  } finally {
    await db.close().catch(() => {});
    await dropDatabase().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
}
