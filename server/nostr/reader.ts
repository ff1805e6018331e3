import { finalizeEvent, type VerifiedEvent } from "nostr-tools/pure";
import type { Logger } from "pino";
import { z } from "zod";
import { type Item, ZItem } from "../../shared/items.js";
import type { OutboxEntry } from "../bus.js";
import type { Db, Queryable } from "../db/db.js";
import { listItemsByIds } from "../items/store.js";
import type { OutboxReader } from "../outbox/readers.js";
import { type KeyBox, sellerKey } from "./keys.js";
import { DELETION_KIND, deletionTemplate, listingTemplate } from "./listing.js";

/**
 * The changes that alter listings: an item's (each carries the public item after the change), and a
 * seller's suspension or reinstatement (the marketplace hides a suspended seller's items; so does Nostr).
 */
const TYPES = [
  "item.created",
  "item.updated",
  "item.sold",
  "item.removed",
  "user.suspended",
  "user.reinstated",
];

const ZItemEntry = z.object({ item: ZItem });
const ZUserEntry = z.object({ userId: z.uuid() });

type ListingRow = { pubkey: string; event_id: string; kind: number; created_at: string | number };

/** Items one catch-up transaction signs and queues (it holds the reader's row meanwhile). */
const CATCH_UP_BATCH = 50;

/**
 * The outbox reader that turns changes into signed Nostr events and queues them for every relay, in the
 * transaction that moves the reader past them (once, across processes). It signs here, not at delivery,
 * so each version has one id, and a removal can name the last version signed.
 *
 * What an item gets depends on its state now, not on the entry's name, so entries read late still end in
 * the right place: for sale (available or reserved) by a seller not suspended → the listing, `active`;
 * sold → the listing, `sold`; removed, or its seller suspended → a kind 5 deletion. A sale or removal of
 * an item never listed on Nostr (listed before this reader existed, or while hidden) has nothing to
 * update and is skipped.
 */
export function createNostrReader(deps: {
  box: KeyBox;
  relays: string[];
  publicUrl: string | undefined;
  /** After commit, when something was queued: the publisher starts at once instead of at its next tick. */
  onQueued: () => void;
  logger: Logger;
}): OutboxReader & { catchUp(db: Db): Promise<number> } {
  const { box, relays, publicUrl, logger } = deps;
  /** Whether this process has caught up (`catchUp`): once is enough, the outbox brings the rest. */
  let caughtUp = false;

  async function nextVersion(tx: Queryable, item: Item): Promise<VerifiedEvent | null> {
    const [listed] = await tx.query<ListingRow>(
      "select pubkey, event_id, kind, created_at from nostr_listings where item_id = $1 for update",
      [item.id],
    );
    const [seller] = await tx.query<{ suspended: boolean }>(
      "select suspended_at is not null as suspended from users where id = $1",
      [item.seller.id],
    );
    const live = listed !== undefined && listed.kind !== DELETION_KIND;
    const shown = item.status !== "removed" && !seller?.suspended;
    const forSale = shown && (item.status === "available" || item.status === "reserved");
    if (!forSale && !live) return null;
    // Strictly later than the last version: relays keep the newest of a replaceable event (a tie goes to
    // the lowest id), and a deletion covers the versions up to its own time, not a relisting after it.
    const createdAt = Math.max(Math.floor(Date.now() / 1000), Number(listed?.created_at ?? 0) + 1);
    const key = await sellerKey(tx, box, item.seller.id).catch((error: unknown) => {
      // A key sealed under another server secret (JWT_SECRET changed) cannot be opened. Skipping this
      // seller's change keeps every other listing flowing; throwing would stop the reader on this entry.
      logger.error(
        { err: error, sellerId: item.seller.id, itemId: item.id },
        "cannot open the seller's Nostr key (was the server secret changed?); change not published",
      );
      return null;
    });
    if (!key) return null;
    const template =
      !shown && listed
        ? deletionTemplate(item, listed.pubkey, listed.event_id, createdAt)
        : listingTemplate(item, createdAt, publicUrl);
    const event = finalizeEvent(template, key.secretKey);
    await tx.query(
      `insert into nostr_listings (item_id, pubkey, event_id, kind, created_at) values ($1, $2, $3, $4, $5)
       on conflict (item_id) do update
         set pubkey = excluded.pubkey, event_id = excluded.event_id, kind = excluded.kind,
             created_at = excluded.created_at`,
      [item.id, key.pubkey, event.id, event.kind, createdAt],
    );
    return event;
  }

  /** The items an entry is about: its own, or the seller's items for sale or listed on Nostr. */
  async function itemsOf(tx: Queryable, entry: OutboxEntry): Promise<Item[]> {
    if (entry.type.startsWith("item.")) return [ZItemEntry.parse(entry.data).item];
    const { userId } = ZUserEntry.parse(entry.data);
    const rows = await tx.query<{ id: string }>(
      `select i.id from items i
       where i.seller_id = $1
         and (i.status in ('available', 'reserved')
              or exists (select 1 from nostr_listings l where l.item_id = i.id and l.kind <> ${DELETION_KIND}))
       order by i.id`,
      [userId],
    );
    return listItemsByIds(
      tx,
      rows.map((row) => row.id),
    );
  }

  /** Signs the item's next version, if it has one, and queues it for every relay; whether it did. */
  async function publish(tx: Queryable, item: Item): Promise<boolean> {
    const event = await nextVersion(tx, item);
    if (!event) return false;
    // One row per item and relay holds the latest version: a newer one replaces an older one not
    // yet delivered (and its retry count), so no relay gets a stale version from the queue.
    await tx.query(
      `insert into nostr_deliveries (item_id, relay, event_id, event)
       select $1, relay, $2, $3 from unnest($4::text[]) as relay
       on conflict (item_id, relay) do update
         set event_id = excluded.event_id, event = excluded.event, attempts = 0, due_at = now(),
             leased_until = null, sent_at = null, last_error = null`,
      [item.id, event.id, JSON.stringify(event), relays],
    );
    return true;
  }

  /**
   * The items the outbox will not bring: for sale (by a seller not suspended) and never listed on Nostr
   * (listed while it was off: the reader moves past every change then), or listed but never queued for one
   * of the relays (a relay added to `NOSTR_RELAYS` since). After `after` (item id order), at most a batch.
   */
  function behind(tx: Queryable, after: string): Promise<{ id: string }[]> {
    return tx.query<{ id: string }>(
      `select i.id from items i join users u on u.id = i.seller_id
        where i.id > $1::uuid
          and (not exists (select 1 from nostr_listings l where l.item_id = i.id)
                 and i.status in ('available', 'reserved') and u.suspended_at is null
               or exists (select 1 from nostr_listings l where l.item_id = i.id and l.kind <> ${DELETION_KIND})
                 and exists (select 1 from unnest($2::text[]) as relay(url)
                              where not exists (select 1 from nostr_deliveries d
                                                 where d.item_id = i.id and d.relay = relay.url)))
        order by i.id limit $3`,
      [after, relays, CATCH_UP_BATCH],
    );
  }

  return {
    name: "nostr",
    types: TYPES,
    async handle(tx, entries) {
      for (const entry of entries) {
        for (const item of await itemsOf(tx, entry)) await publish(tx, item);
      }
    },
    afterCommit: () => deps.onQueued(),

    /**
     * Publishes what the outbox will not bring (`behind`), as if each item had just changed, a batch per
     * transaction. Each holds the reader's row, as the reader does, so it never races the reader or another
     * process's catch-up: an item is caught up once. Does its work once per process (called again, it
     * returns at once); answers how many items it queued.
     */
    async catchUp(db) {
      if (caughtUp) return 0;
      let queued = 0;
      let after = "00000000-0000-0000-0000-000000000000";
      for (;;) {
        const batch = await db.transaction(async (tx) => {
          await tx.query("select 1 from outbox_readers where name = 'nostr' for update");
          const ids = (await behind(tx, after)).map((row) => row.id);
          let published = 0;
          for (const item of await listItemsByIds(tx, ids)) if (await publish(tx, item)) published++;
          return { ids, published };
        });
        queued += batch.published;
        if (batch.published > 0) deps.onQueued();
        if (batch.ids.length < CATCH_UP_BATCH) break;
        after = batch.ids.at(-1)!;
      }
      caughtUp = true;
      if (queued > 0) logger.info({ queued }, "Nostr: caught up on items the relays did not have");
      return queued;
    },
  };
}
