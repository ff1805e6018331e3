import { randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Logger } from "pino";
import { Webhook } from "standardwebhooks";
import type { Config } from "../config.js";
import type { Db, Queryable } from "../db/db.js";
import type { OutboxReader } from "../outbox/readers.js";
import { matchesTypes } from "../outbox/readers.js";
import { assertPublicUrl, guardedLookup } from "./address-guard.js";
import { FEED_COLUMNS, FEED_TYPES, type OutboxFeedRow, presentFeedEvent } from "./feed.js";

/** Deliveries one process sends at once (one claim). */
const CLAIM_BATCH = 20;
/** A claimed delivery is another process's to take once this passes (a crash mid-send): a resend, at least once. */
const CLAIM_MARGIN_SECONDS = 60;
/** Five days of failures, with no success between, disable an endpoint. */
const DISABLE_AFTER_FAILING_DAYS = 5;
/** The longest `Retry-After` honoured (a day): an endpoint can't park deliveries for ever. */
const RETRY_AFTER_MAX_SECONDS = 86_400;

type WebhookConfig = Config["integrations"]["webhooks"];

/**
 * The `webhooks` outbox reader: one delivery row per endpoint whose types match, per feed event, written
 * in the transaction that moves the reader past the event, so each is created exactly once however many
 * processes read. The body is the feed event, exactly as `GET /api/feed` shows it.
 */
export function webhooksReader(kick: () => void): OutboxReader {
  return {
    name: "webhooks",
    types: FEED_TYPES,
    async handle(tx, entries) {
      const endpoints = await tx.query<{ id: string; types: string[]; created_at: Date }>(
        "select id, types, created_at from webhook_endpoints where disabled_at is null",
      );
      if (endpoints.length === 0) return;
      // The entries with their event ids (the reader's entries don't carry them).
      const rows = await tx.query<OutboxFeedRow>(
        `select ${FEED_COLUMNS} from outbox where position = any($1::bigint[]) order by position`,
        [entries.map((entry) => entry.position)],
      );
      const deliveries = rows.flatMap((row) => {
        const event = presentFeedEvent(row);
        const body = JSON.stringify(event);
        return (
          endpoints
            // An endpoint gets the events of its lifetime: not one committed before it was created that the
            // reader had not reached yet.
            .filter(
              (endpoint) =>
                matchesTypes(endpoint.types, event.type) &&
                Date.parse(event.createdAt) >= endpoint.created_at.getTime(),
            )
            .map((endpoint) => ({
              id: randomUUID(),
              endpoint_id: endpoint.id,
              event_id: event.id,
              position: event.position,
              event_type: event.type,
              body,
            }))
        );
      });
      if (deliveries.length === 0) return;
      await tx.query(
        `insert into webhook_deliveries (id, endpoint_id, event_id, position, event_type, body)
         select id, endpoint_id, event_id, position, event_type, body
         from jsonb_to_recordset($1::jsonb)
           as d(id uuid, endpoint_id uuid, event_id uuid, position bigint, event_type text, body text)
         on conflict (endpoint_id, event_id) do nothing`,
        [JSON.stringify(deliveries)],
      );
    },
    afterCommit: kick,
  };
}

type Claimed = { id: string; event_id: string; body: string; attempts: number; url: string; secret: string };

/** What one attempt came to. */
type Outcome = { status: number; retryAfter: string | undefined } | { error: string };

/**
 * The delivery worker: claims due deliveries (`for update skip locked`, so processes never take the same
 * one), posts each, signed as Standard Webhooks 1.0 says, and records the outcome. At least once: a
 * process that dies between the post and the record leaves the claim to expire, and the delivery is sent
 * again; receivers deduplicate on `webhook-id`.
 */
export function createWebhookSender(deps: { db: Db; config: WebhookConfig; logger: Logger }) {
  const { db, config, logger } = deps;

  async function claim(): Promise<Claimed[]> {
    return db.query<Claimed>(
      `with due as (
         select d.id from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
         where d.status = 'pending' and d.next_attempt_at <= now() and e.disabled_at is null
           and (d.claimed_until is null or d.claimed_until < now())
         order by d.next_attempt_at, d.position limit $1
         for update of d skip locked)
       update webhook_deliveries d set claimed_until = now() + make_interval(secs => $2)
       from due, webhook_endpoints e
       where d.id = due.id and e.id = d.endpoint_id
       returning d.id, d.event_id, d.body, d.attempts, e.url, e.secret`,
      [CLAIM_BATCH, Math.ceil(config.timeoutMs / 1000) + CLAIM_MARGIN_SECONDS],
      // Every tick of every process.
      { prepared: true },
    );
  }

  /** One attempt: the SSRF guard, then a POST that must answer within the timeout. */
  async function attempt(delivery: Claimed): Promise<Outcome> {
    const url = new URL(delivery.url);
    try {
      await assertPublicUrl(url, config.allowPrivate);
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
    const timestamp = new Date();
    const signature = new Webhook(delivery.secret).sign(delivery.event_id, timestamp, delivery.body);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<Outcome>((resolve) => {
      // Settled once, by the answer's end, an error, or the timeout, whichever comes first.
      let timer: NodeJS.Timeout | undefined;
      const settle = (outcome: Outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const req = send(url, {
        method: "POST",
        lookup: guardedLookup(config.allowPrivate),
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(delivery.body),
          "user-agent": "Parley-Webhooks/1.0",
          "webhook-id": delivery.event_id,
          "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
          "webhook-signature": signature,
        },
      });
      timer = setTimeout(() => {
        settle({ error: `no answer within ${config.timeoutMs / 1000} s` });
        req.destroy();
      }, config.timeoutMs);
      req.on("response", (res: IncomingMessage) => {
        // The body is not kept: read it to the end (within the timeout) and answer with the status.
        res.resume();
        res.on("end", () => settle({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] }));
        res.on("error", (error) => settle({ error: error.message }));
      });
      req.on("error", (error) => settle({ error: error.message }));
      req.end(delivery.body);
    });
  }

  /** Seconds until the next try, or null to give up: the schedule, or the endpoint's `Retry-After`. */
  function retryDelay(attempts: number, outcome: Outcome): number | null {
    const scheduled = config.retrySeconds[attempts - 1];
    if (scheduled === undefined) return null;
    if ("status" in outcome && (outcome.status === 429 || outcome.status === 503) && outcome.retryAfter) {
      const seconds = /^\d+$/.test(outcome.retryAfter)
        ? Number(outcome.retryAfter)
        : (Date.parse(outcome.retryAfter) - Date.now()) / 1000;
      if (Number.isFinite(seconds)) return Math.min(Math.max(seconds, 0), RETRY_AFTER_MAX_SECONDS);
    }
    return scheduled;
  }

  async function record(tx: Queryable, delivery: Claimed, outcome: Outcome): Promise<void> {
    const attempts = delivery.attempts + 1;
    const status = "status" in outcome ? outcome.status : null;
    const error =
      "error" in outcome
        ? outcome.error
        : status !== null && (status < 200 || status > 299)
          ? `HTTP ${status}`
          : null;
    const [row] = await tx.query<{ endpoint_id: string }>(
      "select endpoint_id from webhook_deliveries where id = $1 and status = 'pending' for update",
      [delivery.id],
    );
    if (!row) return; // deleted with its endpoint meanwhile
    if (error === null) {
      await tx.query(
        `update webhook_deliveries set status = 'succeeded', attempts = $2, last_attempt_at = now(),
           last_status = $3, last_error = null, delivered_at = now(), claimed_until = null
         where id = $1`,
        [delivery.id, attempts, status],
      );
      await tx.query("update webhook_endpoints set failing_since = null where id = $1", [row.endpoint_id]);
      return;
    }
    const delay = status === 410 ? null : retryDelay(attempts, outcome);
    await tx.query(
      `update webhook_deliveries set attempts = $2, last_attempt_at = now(), last_status = $3, last_error = $4,
         claimed_until = null,
         status = case when $5::float8 is null then 'failed' else 'pending' end,
         next_attempt_at = case when $5::float8 is null then next_attempt_at
                                else now() + make_interval(secs => $5::float8) end
       where id = $1`,
      [delivery.id, attempts, status, error.slice(0, 500), delay],
    );
    const reason =
      status === 410
        ? "The endpoint answered 410 Gone"
        : `Every delivery failed for ${DISABLE_AFTER_FAILING_DAYS} days`;
    await tx.query(
      `update webhook_endpoints
       set failing_since = coalesce(failing_since, now()),
           disabled_at = case when $2 or coalesce(failing_since, now()) <= now() - make_interval(days => $3)
                              then now() end,
           disabled_reason = case when $2 or coalesce(failing_since, now()) <= now() - make_interval(days => $3)
                                  then $4 end
       where id = $1 and disabled_at is null`,
      [row.endpoint_id, status === 410, DISABLE_AFTER_FAILING_DAYS, reason],
    );
  }

  /** Sends every due delivery, a batch at a time, until none is due. */
  async function deliverDue(): Promise<void> {
    for (;;) {
      const claimed = await claim();
      await Promise.all(
        claimed.map(async (delivery) => {
          const outcome = await attempt(delivery);
          await db.transaction((tx) => record(tx, delivery, outcome));
          if ("error" in outcome || outcome.status < 200 || outcome.status > 299) {
            logger.info(
              { delivery: delivery.id, outcome },
              "webhook delivery failed; retried on schedule unless it gave up",
            );
          }
        }),
      );
      if (claimed.length < CLAIM_BATCH) return;
    }
  }

  return { deliverDue };
}
