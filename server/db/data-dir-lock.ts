import {
  chmodSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

/**
 * Two processes must never open one embedded database: each would write its own pages over the other's.
 * Every process that opens PGlite in `DATA_DIR` first holds `DATA_DIR/parley.lock`, a file naming its pid.
 * The lock dies with its process: a holder that is no longer alive (killed, even with SIGKILL) is stale,
 * and the next process takes the lock over.
 */
export type DataDirLock = {
  /** Removes the lock file if it is still this process's. */
  release(): void;
};

/** Another live process holds the data directory; `pid` says which. */
export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`Parley (process ${pid}) is running on the data directory ${dataDir}`);
  }
}

type Holder = { pid: number; started: string | null };

const LOCK_FILE = "parley.lock";

/** Creates `dataDir` (mode 0700) if needed and takes its lock, or throws `DataDirBusyError`. */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const file = path.join(dataDir, LOCK_FILE);
  const me: Holder = { pid: process.pid, started: startTime(process.pid) };
  // The content is written to a file of our own first and then linked into place: link() fails if the lock
  // exists, atomically, and a reader never sees a half-written lock.
  const draft = path.join(dataDir, `${LOCK_FILE}.${process.pid}`);
  writeFileSync(draft, JSON.stringify(me), { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const holder = readHolder(file);
        if (holder && isAlive(holder)) throw new DataDirBusyError(dataDir, holder.pid);
        if (attempt >= 50) throw new DataDirBusyError(dataDir, holder?.pid ?? 0);
        // Stale: its process is gone. Remove it and try again.
        removeStale(file, holder);
      }
    }
  } finally {
    removeIfPresent(draft);
  }
  return {
    release() {
      const holder = readHolder(file);
      if (holder?.pid === me.pid && holder.started === me.started) removeIfPresent(file);
    },
  };
}

/** The live process holding `dataDir`'s lock, if any. */
export function dataDirHolder(dataDir: string): number | null {
  const holder = readHolder(path.join(dataDir, LOCK_FILE));
  return holder && isAlive(holder) ? holder.pid : null;
}

/**
 * Removes write access for group and others from `dir` and everything in it, and all their access to
 * directories: PGlite creates its files world-writable (0666) whatever the umask.
 */
export function tightenPermissions(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    try {
      const mode = statSync(full).mode & 0o777;
      if (mode & 0o077) chmodSync(full, mode & 0o700);
    } catch {
      // Removed meanwhile (a temporary file): nothing to tighten.
    }
  }
  chmodSync(dir, 0o700);
}

/**
 * Removes the stale lock `stale`, one process at a time: two processes that both found it stale must not
 * both remove "it", or the second would remove the lock the first has just taken. Whoever holds
 * `parley.lock.takeover` looks again and removes the lock only if it is still the stale one; the others
 * wait a moment and start over. A takeover file left by a process killed in that instant expires.
 */
function removeStale(file: string, stale: Holder | null): void {
  const guard = `${file}.takeover`;
  try {
    writeFileSync(guard, String(process.pid), { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    try {
      if (Date.now() - statSync(guard).mtimeMs > 10_000) removeIfPresent(guard);
    } catch {
      // Gone meanwhile.
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    return;
  }
  try {
    const now = readHolder(file);
    if (now?.pid === stale?.pid && now?.started === stale?.started) removeIfPresent(file);
  } finally {
    removeIfPresent(guard);
  }
}

function readHolder(file: string): Holder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<Holder>;
    return typeof parsed.pid === "number" ? { pid: parsed.pid, started: parsed.started ?? null } : null;
  } catch {
    return null;
  }
}

/** Alive, and the same process: a pid reused by another program after a crash does not count. */
function isAlive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const started = startTime(holder.pid);
  return holder.started === null || started === null || started === holder.started;
}

/** The process's start time in clock ticks since boot (Linux's /proc); null where there is no /proc. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ")"; start time is field 22.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function removeIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
