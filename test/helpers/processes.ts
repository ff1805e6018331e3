import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { AuthResponse } from "../../shared/users.js";
import { type Child, startChild } from "./child-process.js";
import { call } from "./http.js";
import { type ClientSocket, connect } from "./sockets.js";

/** The machine's PostgreSQL (only to create fresh databases on) and Redis: CI machines always have both. */
export const POSTGRES_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export type TestDatabase = {
  url: string;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
};

/** A new, empty database on the PostgreSQL server, dropped by `drop()`. */
export async function createTestDatabase(serverUrl = POSTGRES_URL): Promise<TestDatabase> {
  const name = `parley_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on("error", () => {});
  return {
    url: url.toString(),
    async query<T>(sql: string, params?: unknown[]) {
      return (await pool.query(sql, params)).rows as T[];
    },
    async drop() {
      await pool.end();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

export type ServerProcess = Pick<Child, "url" | "pid" | "output" | "stop" | "kill">;

/** A Parley server as its own process (see `startChild`), with a data directory of its own, removed when it ends. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "parley-proc-"));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    const child = await startChild("server/main.ts", { DATA_DIR: dataDir, LOG_LEVEL: "warn", ...env });
    return {
      url: child.url,
      pid: child.pid,
      output: child.output,
      stop: () => child.stop().finally(cleanup),
      kill: () => child.kill().finally(cleanup),
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** The environment two processes of one marketplace share: database, Redis, channel prefix, signing secret. */
export function sharedEnv(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    // Other test runs may share this Redis: their broadcasts must not reach our processes.
    REDIS_PREFIX: `parley-test-${randomBytes(4).toString("hex")}`,
    JWT_SECRET: randomBytes(32).toString("hex"),
  };
}

/**
 * Two real server processes of one marketplace: a fresh PostgreSQL database, the machine's Redis, the
 * same secret. `socketOn` opens a socket to one of them, kept in `sockets` and closed by `stopCluster`.
 */
export type Cluster = {
  database: TestDatabase;
  /** What both processes were started with (to start one again). */
  env: Record<string, string>;
  a: ServerProcess;
  b: ServerProcess;
  sockets: ClientSocket[];
  socketOn(server: ServerProcess, session: { token: string }): Promise<ClientSocket>;
};

/**
 * Starts a cluster, `env` added to the shared environment. The processes start one after the
 * other: both would migrate the empty database (safe under the migration lock, but slow). If one does
 * not start, what did is stopped and dropped.
 */
export async function startCluster(env: Record<string, string> = {}): Promise<Cluster> {
  const database = await createTestDatabase();
  const started: ServerProcess[] = [];
  const shared = { ...sharedEnv(database.url), ...env };
  try {
    for (let i = 0; i < 2; i++) started.push(await startServerProcess(shared));
  } catch (error) {
    await Promise.all(started.map((server) => server.stop()));
    await database.drop();
    throw error;
  }
  const sockets: ClientSocket[] = [];
  return {
    database,
    env: shared,
    a: started[0]!,
    b: started[1]!,
    sockets,
    async socketOn(server, session) {
      const socket = await connect(server.url, session.token);
      sockets.push(socket);
      return socket;
    },
  };
}

/** Closes the cluster's sockets, stops both processes and drops the database. */
export async function stopCluster(cluster: Cluster | undefined): Promise<void> {
  if (!cluster) return;
  for (const socket of cluster.sockets) socket.close();
  await Promise.all([cluster.a.stop(), cluster.b.stop()]);
  await cluster.database.drop();
}

export type ScriptResult = { code: number | null; output: string };

/**
 * Runs an operator script (`server/scripts/user-create.ts`, `seed.ts`) as `npm run` would, with `env` on a
 * clean environment and `stdin` written to its standard input; resolves when it exits (killed after 120 s).
 */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  stdin = "",
): Promise<ScriptResult> {
  const child = spawn(process.execPath, ["--import", "tsx", `server/scripts/${script}`, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "warn", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A moderator made the operator's way, `npm run user:create` against `databaseUrl`, then signed in at `serverUrl`. */
export async function createModeratorWithScript(
  databaseUrl: string,
  serverUrl: string,
): Promise<AuthResponse> {
  const username = `mod-${randomBytes(4).toString("hex")}`;
  const password = "moderator pass phrase";
  const dataDir = mkdtempSync(path.join(tmpdir(), "parley-script-"));
  try {
    const result = await runScript(
      "user-create.ts",
      ["--username", username, "--role", "moderator"],
      { DATABASE_URL: databaseUrl, DATA_DIR: dataDir },
      `${password}\n`,
    );
    if (result.code !== 0) throw new Error(`user:create exited ${result.code}: ${result.output}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const { status, body } = await call<AuthResponse>(serverUrl, "POST", "/api/auth/login", {
    body: { username, password },
  });
  if (status !== 200) throw new Error(`moderator sign-in failed: ${status}`);
  return body;
}
