import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirBusyError, dataDirHolder, lockDataDir } from "./data-dir-lock.js";

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "parley-lock-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A process that exits at once: its pid is then free (a holder killed with SIGKILL looks the same). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

describe("the data directory lock", () => {
  it("lets one holder in and refuses a second until it lets go", () => {
    const dir = fresh();
    const lock = lockDataDir(dir);
    expect(dataDirHolder(dir)).toBe(process.pid);
    expect(() => lockDataDir(dir)).toThrow(DataDirBusyError);
    lock.release();
    expect(dataDirHolder(dir)).toBeNull();
    lockDataDir(dir).release();
  });

  it("takes over a lock whose process is gone, or whose pid now belongs to another process", async () => {
    const dir = fresh();
    const file = path.join(dir, "parley.lock");
    writeFileSync(file, JSON.stringify({ pid: await deadPid(), started: "1" }));
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(process.pid);
    lock.release();
    // Our own pid, but another start time: a pid reused after a crash.
    writeFileSync(file, JSON.stringify({ pid: process.pid, started: "1" }));
    lockDataDir(dir).release();
  });

  it("never removes a lock that another process took meanwhile", () => {
    const dir = fresh();
    const lock = lockDataDir(dir);
    const file = path.join(dir, "parley.lock");
    writeFileSync(file, JSON.stringify({ pid: 1, started: null }));
    lock.release();
    expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(1);
  });
});
