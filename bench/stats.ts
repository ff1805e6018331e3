import { readdirSync, readFileSync } from "node:fs";

/** The p-th percentile (0–100) of `values`, nearest-rank; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export type Latency = { count: number; p50: number; p95: number; p99: number; max: number };

export function summarize(values: number[]): Latency {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    // Not Math.max(...values): a spread of half a million samples overflows the stack.
    max: values.length > 0 ? values.reduce((max, value) => Math.max(max, value)) : Number.NaN,
  };
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check()` is true, polling; false if `ms` passed first. */
export async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Runs `fn` over `inputs` with at most `concurrency` at once. */
export async function mapLimit<T, R>(
  inputs: T[],
  concurrency: number,
  fn: (input: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(inputs.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await fn(inputs[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}

/** CPU seconds (user + system) the process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  return cpuOfStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/** CPU seconds in a `/proc/<pid>/stat` text. */
function cpuOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds used so far by every process of this machine named `name` (PostgreSQL's: its backends and
 * its background workers). A process that exits between two readings takes its share with it.
 */
export function cpuSecondsOfAll(name: string): number {
  let total = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // gone since the listing
    }
    if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) === name) total += cpuOfStat(stat);
  }
  return total;
}
