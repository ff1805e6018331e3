import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { UNTHROTTLED_ENV } from "./unthrottled.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export type Child = {
  url: string;
  pid: number;
  /** Resident memory in bytes, from /proc: the server alone, not this generator. */
  rss(): number;
  /** SIGTERM, and SIGKILL if it has not exited after 15 s. */
  stop(): Promise<void>;
  /** SIGKILL at once: a crash. */
  kill(): Promise<void>;
  output(): string;
};

/**
 * Runs a TypeScript entry point (`server/main.ts`, `bench/raw-relay.ts`) as its own process, on a free
 * port, unthrottled, with `env` on top of a clean environment (only PATH and HOME are inherited, so the
 * parent's DATABASE_URL never leaks in), and resolves once it prints `running: http://HOST:PORT`.
 * Tests use it for several servers and crashes; the bench so the generator neither shares the server's
 * CPU accounting nor pollutes its memory.
 */
export async function startChild(
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, "--import", "tsx", entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: "0",
      HOST: "127.0.0.1",
      ...UNTHROTTLED_ENV,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      const match = /running: http:\/\/(?:localhost|127\.0\.0\.1):(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}):\n${output}`));
    });
  });
  const pid = child.pid ?? 0;
  return {
    url,
    pid,
    rss() {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return Number(kib ?? 0) * 1024;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    output: () => output,
  };
}
