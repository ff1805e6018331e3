import type { FeedEvent, FeedPage, FeedQuery } from "../../shared/integrations.js";
import { ZItem } from "../../shared/items.js";
import type { Queryable } from "../db/db.js";
import { presentItem } from "../moderation/redaction.js";
import { matchesTypes } from "../outbox/readers.js";

/**
 * What of the outbox integrations see. The outbox also carries internal entries (`message.hidden`,
 * messages, bids) that never leave; of the public types, each one's data is picked field by field, so a
 * field added to an entry later stays inside until it is added here on purpose. Decided (and documented
 * in docs/INTEGRATIONS.md):
 * - items: the item as a signed-out visitor sees it (a removed item without title, description or image);
 *   `item.removed` says who removed it (`seller`, `moderator`) but not the moderator's reason;
 * - deals: the transition, the states, the parties' and item's ids, and the deal's terms after it
 *   (units, unit price, shipping option and cost, total); never params (an address, a dispute's words),
 *   which stay in the private thread;
 * - reviews: ids, role and rating (the text is read on the site once published);
 * - suspensions: the user's id only; the reason is between the user and the moderators.
 */
export const FEED_TYPES = [
  "item.created",
  "item.updated",
  "item.sold",
  "item.removed",
  "deal.*",
  "review.published",
  "user.suspended",
  "user.reinstated",
];

const pick = (data: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.filter((key) => data[key] !== undefined).map((key) => [key, data[key]]));

function publicItemData(data: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const item = ZItem.safeParse(data.item);
  return { item: item.success ? presentItem(item.data, null) : null, ...pick(data, keys) };
}

/** The public data of an entry of a feed type (see `FEED_TYPES`). */
function publicData(type: string, data: Record<string, unknown>): Record<string, unknown> {
  if (type === "item.updated") return publicItemData(data, ["previousPrice"]);
  if (type === "item.removed") return publicItemData(data, ["by"]);
  if (type.startsWith("item.")) return publicItemData(data, []);
  if (type.startsWith("deal.")) {
    return pick(data, [
      "transition",
      "from",
      "to",
      "by",
      "itemId",
      "buyerId",
      "sellerId",
      "quantity",
      "unitPrice",
      "shipping",
      "total",
    ]);
  }
  if (type === "review.published") return pick(data, ["dealId", "authorId", "subjectId", "role", "rating"]);
  return pick(data, ["userId"]);
}

export const isFeedType = (type: string) => matchesTypes(FEED_TYPES, type);

/** An outbox row as the feed and webhooks read it. */
export type OutboxFeedRow = {
  position: string | number;
  event_id: string;
  type: string;
  resource_type: string;
  resource_id: string;
  data: Record<string, unknown>;
  created_at: Date;
};

export const FEED_COLUMNS = "position, event_id, type, resource_type, resource_id, data, created_at";

/** The feed event of an outbox row of a feed type. */
export function presentFeedEvent(row: OutboxFeedRow): FeedEvent {
  return {
    position: Number(row.position),
    id: row.event_id,
    type: row.type,
    createdAt: row.created_at.toISOString(),
    resource: { type: row.resource_type, id: row.resource_id },
    data: publicData(row.type, row.data),
  };
}

/** Most outbox entries one page looks through for matching ones (internal and filtered types are skipped). */
const SCAN_MAX = 1000;

/**
 * A page of the feed: the positioned entries after `after`, in position order. Positions are given at
 * drain time under one lock (outbox.ts), so they grow in the order entries become visible: a reader that
 * saw position n will never see a smaller one appear later, and never sees an uncommitted entry.
 * `nextAfter` is past the last entry looked at, matching or not, so a narrow filter over a long stretch
 * of other types still moves forward a page at a time.
 */
export async function readFeed(q: Queryable, query: FeedQuery): Promise<FeedPage> {
  const rows = await q.query<OutboxFeedRow>(
    `select ${FEED_COLUMNS} from outbox where position > $1 order by position limit $2`,
    [query.after, SCAN_MAX],
  );
  const events: FeedEvent[] = [];
  let nextAfter = query.after;
  for (const row of rows) {
    nextAfter = Number(row.position);
    if (isFeedType(row.type) && matchesTypes(query.types, row.type)) {
      events.push(presentFeedEvent(row));
      if (events.length === query.limit) break;
    }
  }
  return { events, nextAfter };
}

/**
 * The daily clean-up: entries older than the retention go, except what a reader has not read yet and the
 * last positioned entry (the drain numbers on from the largest position, so it must stay: positions are
 * never reused). Finished webhook deliveries of the same age go with them.
 */
export async function cleanUpFeed(q: Queryable, retentionDays: number): Promise<number> {
  const [deleted] = await q.query<{ count: string | number }>(
    `with gone as (
       delete from outbox
       where position < (select max(position) from outbox)
         and position <= coalesce((select min(position) from outbox_readers), (select max(position) from outbox))
         and created_at < now() - make_interval(days => $1)
       returning 1)
     select count(*) as count from gone`,
    [retentionDays],
  );
  await q.query(
    `delete from webhook_deliveries
     where status <> 'pending' and created_at < now() - make_interval(days => $1)`,
    [retentionDays],
  );
  return Number(deleted?.count ?? 0);
}
