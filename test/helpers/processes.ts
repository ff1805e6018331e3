import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { AuthResponse } from "../../shared/users.js";
import { call } from "./http.js";
import { UNTHROTTLED_ENV } from "./unthrottled.js";

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

export type ServerProcess = {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** SIGTERM and wait; resolves at once if it already exited. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown at all, as in a crash. */
  kill(): Promise<void>;
};

/**
 * `node --import tsx server/main.ts` as its own process on a free port, with `env` on top of a clean
 * environment (only PATH and HOME are inherited, so the parent's DATABASE_URL never leaks in).
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "parley-proc-"));
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      ...UNTHROTTLED_ENV,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Parley is running: http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${output}`));
    });
  });
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  return {
    url,
    pid: child.pid ?? 0,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      cleanup();
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      cleanup();
    },
  };
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

/** A moderator made the operator's way, `npm run user:create` against `databaseUrl`, then signed in at `serverUrl`. */
export async function createModeratorWithScript(
  databaseUrl: string,
  serverUrl: string,
): Promise<AuthResponse> {
  const username = `mod-${randomBytes(4).toString("hex")}`;
  const password = "moderator pass phrase";
  const dataDir = mkdtempSync(path.join(tmpdir(), "parley-script-"));
  try {
    await new Promise<void>((resolve, reject) => {
      const script = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          "server/scripts/user-create.ts",
          "--username",
          username,
          "--password",
          password,
          "--role",
          "moderator",
        ],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? "",
            HOME: process.env.HOME ?? "",
            DATABASE_URL: databaseUrl,
            DATA_DIR: dataDir,
          },
          stdio: "ignore",
        },
      );
      script.once("error", reject);
      script.once("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`user:create exited ${code}`)),
      );
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const { status, body } = await call<AuthResponse>(serverUrl, "POST", "/api/auth/login", {
    body: { username, password },
  });
  if (status !== 200) throw new Error(`moderator sign-in failed: ${status}`);
  return body;
}
