import { randomBytes, randomUUID } from "node:crypto";
import { AppError } from "../../shared/errors.js";
import {
  type CreateWebhookEndpointRequest,
  WEBHOOK_ENDPOINTS_MAX,
  type WebhookDelivery,
  type WebhookEndpoint,
} from "../../shared/integrations.js";
import type { Db, Queryable } from "../db/db.js";
import { assertPublicUrl } from "./address-guard.js";
import { FEED_TYPES } from "./feed.js";

/**
 * Who manages webhook endpoints: an API key (its own endpoints) or a moderator (every endpoint, from the
 * console).
 */
export type IntegrationCaller = { apiKeyId: string } | { moderatorId: string };

type EndpointRow = {
  id: string;
  url: string;
  types: string[];
  disabled_at: Date | null;
  disabled_reason: string | null;
  created_at: Date;
};

const ENDPOINT_COLUMNS = "id, url, types, disabled_at, disabled_reason, created_at";

const toEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  types: row.types,
  disabledAt: row.disabled_at?.toISOString() ?? null,
  disabledReason: row.disabled_reason,
  createdAt: row.created_at.toISOString(),
});

type DeliveryRow = {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  position: string | number;
  status: WebhookDelivery["status"];
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
};

const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, position, status, attempts, next_attempt_at,
  last_attempt_at, last_status, last_error, created_at, delivered_at`;

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  endpointId: row.endpoint_id,
  eventId: row.event_id,
  eventType: row.event_type,
  position: Number(row.position),
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.status === "pending" ? row.next_attempt_at.toISOString() : null,
  lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
  lastStatus: row.last_status,
  lastError: row.last_error,
  createdAt: row.created_at.toISOString(),
  deliveredAt: row.delivered_at?.toISOString() ?? null,
});

/** A pattern as its prefix and whether it is one (`deal.*` → `deal.`, true). */
const parts = (pattern: string) =>
  pattern.endsWith("*") ? { text: pattern.slice(0, -1), prefix: true } : { text: pattern, prefix: false };

/** Whether a pattern can match any feed type (`message.*` can't: those never leave). */
function namesFeedTypes(pattern: string): boolean {
  const p = parts(pattern);
  return FEED_TYPES.map(parts).some((f) => {
    if (p.prefix && f.prefix) return p.text.startsWith(f.text) || f.text.startsWith(p.text);
    if (p.prefix) return f.text.startsWith(p.text);
    return f.prefix ? p.text.startsWith(f.text) : p.text === f.text;
  });
}

/** The endpoints a caller sees: a key its own, a moderator all. */
const scope = (caller: IntegrationCaller, params: unknown[]) =>
  "apiKeyId" in caller ? `api_key_id = $${params.push(caller.apiKeyId)}` : "true";

export function createWebhookEndpoints(deps: { db: Db; allowPrivate: boolean; kickDeliveries: () => void }) {
  const { db } = deps;

  async function requireEndpoint(q: Queryable, caller: IntegrationCaller, id: string): Promise<EndpointRow> {
    const params: unknown[] = [id];
    const [row] = await q.query<EndpointRow>(
      `select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1 and ${scope(caller, params)}`,
      params,
    );
    if (!row) throw new AppError("not_found", "No such webhook endpoint");
    return row;
  }

  return {
    /** A new endpoint; its secret is in this answer only. */
    async create(caller: IntegrationCaller, input: CreateWebhookEndpointRequest): Promise<WebhookEndpoint> {
      const unknown = input.types.filter((type) => !namesFeedTypes(type));
      if (unknown.length > 0) {
        throw new AppError("bad_request", `Not feed event types: ${unknown.join(", ")}`, [
          { path: "types", message: `Feed types are ${FEED_TYPES.join(", ")}` },
        ]);
      }
      const url = new URL(input.url);
      await assertPublicUrl(url, deps.allowPrivate);
      const secret = `whsec_${randomBytes(32).toString("base64")}`;
      const [row] = await db.transaction(async (tx) => {
        // One at a time: the count and the insert see the same table.
        await tx.query("lock table webhook_endpoints in share row exclusive mode");
        const [count] = await tx.query<{ n: string | number }>("select count(*) as n from webhook_endpoints");
        if (Number(count?.n ?? 0) >= WEBHOOK_ENDPOINTS_MAX) {
          throw new AppError(
            "conflict",
            `There are ${WEBHOOK_ENDPOINTS_MAX} endpoints already; delete one first`,
          );
        }
        return tx.query<EndpointRow>(
          `insert into webhook_endpoints (id, url, types, secret, api_key_id, created_by)
           values ($1, $2, $3, $4, $5, $6) returning ${ENDPOINT_COLUMNS}`,
          [
            randomUUID(),
            url.toString(),
            JSON.stringify(input.types),
            secret,
            "apiKeyId" in caller ? caller.apiKeyId : null,
            "moderatorId" in caller ? caller.moderatorId : null,
          ],
        );
      });
      if (!row) throw new Error("insert returned no endpoint");
      return { ...toEndpoint(row), secret };
    },

    async list(caller: IntegrationCaller): Promise<WebhookEndpoint[]> {
      const params: unknown[] = [];
      const rows = await db.query<EndpointRow>(
        `select ${ENDPOINT_COLUMNS} from webhook_endpoints where ${scope(caller, params)} order by created_at, id`,
        params,
      );
      return rows.map(toEndpoint);
    },

    /** Deletes the endpoint and its deliveries; nothing more is sent to it. */
    async remove(caller: IntegrationCaller, id: string): Promise<void> {
      await requireEndpoint(db, caller, id);
      await db.query("delete from webhook_endpoints where id = $1", [id]);
    },

    /** Sends to a disabled endpoint again (its pending deliveries go first); the failure streak starts over. */
    async enable(caller: IntegrationCaller, id: string): Promise<WebhookEndpoint> {
      await requireEndpoint(db, caller, id);
      const [row] = await db.query<EndpointRow>(
        `update webhook_endpoints set disabled_at = null, disabled_reason = null, failing_since = null
         where id = $1 returning ${ENDPOINT_COLUMNS}`,
        [id],
      );
      deps.kickDeliveries();
      if (!row) throw new AppError("not_found", "No such webhook endpoint");
      return toEndpoint(row);
    },

    /** The endpoint's latest deliveries, newest event first. */
    async deliveries(caller: IntegrationCaller, id: string, limit: number): Promise<WebhookDelivery[]> {
      await requireEndpoint(db, caller, id);
      const rows = await db.query<DeliveryRow>(
        `select ${DELIVERY_COLUMNS} from webhook_deliveries where endpoint_id = $1
         order by position desc limit $2`,
        [id, limit],
      );
      return rows.map(toDelivery);
    },

    /** Sends a delivery again now, whatever became of it, with a fresh round of retries. */
    async resend(caller: IntegrationCaller, id: string, deliveryId: string): Promise<WebhookDelivery> {
      const endpoint = await requireEndpoint(db, caller, id);
      if (endpoint.disabled_at) {
        throw new AppError("conflict", "This endpoint is disabled; enable it to send to it again");
      }
      const [row] = await db.query<DeliveryRow>(
        `update webhook_deliveries
         set status = 'pending', attempts = 0, next_attempt_at = now(), claimed_until = null
         where id = $1 and endpoint_id = $2 returning ${DELIVERY_COLUMNS}`,
        [deliveryId, id],
      );
      if (!row) throw new AppError("not_found", "No such delivery");
      deps.kickDeliveries();
      return toDelivery(row);
    },
  };
}

export type WebhookEndpoints = ReturnType<typeof createWebhookEndpoints>;
