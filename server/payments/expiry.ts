import type { Logger } from "pino";
import type { PaymentService } from "./service.js";

export type Sweeper = { stop(): Promise<void> };

/** How often to sweep: a few seconds, or more often when holds are very short (tests use 1 s). */
export function sweepIntervalMs(holdSeconds: number): number {
  return Math.min(5_000, Math.max(250, holdSeconds * 500));
}

/**
 * Releases expired holds (and retries owed refunds) at start-up and then every `intervalMs`. Holds live
 * in the database with their deadline, so a restart loses none: the first sweep releases whatever ran
 * out while the server was down. Runs never overlap within a process.
 */
export function startExpirySweeper(
  payments: Pick<PaymentService, "sweep">,
  options: { intervalMs: number; logger: Logger },
): Sweeper {
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = payments
      .sweep()
      .then(({ released }) => {
        if (released > 0) options.logger.info({ released }, "released expired holds");
      })
      .catch((error: unknown) => {
        options.logger.error({ err: error }, "expiry sweep failed; retrying at the next tick");
      })
      .finally(() => {
        running = null;
      });
  };
  run();
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
