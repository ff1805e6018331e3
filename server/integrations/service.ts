import type { Logger } from "pino";
import type { FeedQuery } from "../../shared/integrations.js";
import type { Config } from "../config.js";
import type { Db } from "../db/db.js";
import { startWorker, type Worker } from "../deals/timers.js";
import type { OutboxReaders } from "../outbox/readers.js";
import { cleanUpFeed, readFeed } from "./feed.js";
import { createWebhookSender, webhooksReader } from "./webhook-deliveries.js";
import { createWebhookEndpoints } from "./webhook-endpoints.js";

/** How often due webhook deliveries are looked for (besides right after the reader writes some). */
const DELIVERY_POLL_MS = 1_000;
const DAY_MS = 86_400_000;

/**
 * Integrations: the feed, webhook endpoints, the `webhooks` outbox reader and the delivery worker, and
 * the feed's daily clean-up. API keys are checked by `http/authenticate.ts` (see `api-keys.ts`).
 */
export function createIntegrations(deps: {
  db: Db;
  config: Config["integrations"];
  logger: Logger;
  outboxReaders: OutboxReaders;
}) {
  const { db, config, logger } = deps;
  const sender = createWebhookSender({ db, config: config.webhooks, logger });
  let sending: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  /** Sends what is due now; calls while it runs make it look once more instead of queueing. */
  function kick(): Promise<void> {
    if (stopped) return Promise.resolve();
    again = true;
    sending ??= (async () => {
      try {
        while (again && !stopped) {
          again = false;
          await sender.deliverDue();
        }
      } catch (error) {
        logger.error({ err: error }, "webhook deliveries failed; retried at the next tick");
      } finally {
        sending = null;
      }
    })();
    return sending;
  }

  deps.outboxReaders.add(webhooksReader(() => void kick()));
  const endpoints = createWebhookEndpoints({
    db,
    allowPrivate: config.webhooks.allowPrivate,
    kickDeliveries: () => void kick(),
  });

  let cleanedAt = 0;
  let worker: Worker | null = null;

  return {
    feed: (query: FeedQuery) => readFeed(db, query),
    endpoints,
    /** The delivery worker and, once a day in each process, the feed's clean-up. */
    start(): void {
      worker ??= startWorker(
        async () => {
          await kick();
          if (Date.now() - cleanedAt >= DAY_MS) {
            cleanedAt = Date.now();
            const deleted = await cleanUpFeed(db, config.feedRetentionDays);
            if (deleted > 0) logger.info({ deleted }, "feed entries past their retention deleted");
          }
        },
        { intervalMs: DELIVERY_POLL_MS, logger },
      );
    },
    async stop(): Promise<void> {
      stopped = true;
      await worker?.stop();
      await sending;
    },
  };
}

export type Integrations = ReturnType<typeof createIntegrations>;
