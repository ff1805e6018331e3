import { randomUUID } from "node:crypto";
import { AppError } from "../../shared/errors.js";
import type {
  CreateItemRequest,
  EventsQuery,
  Item,
  ItemDetails,
  ItemPage,
  ListItemsQuery,
  UpdateItemRequest,
} from "../../shared/items.js";
import type { User } from "../../shared/users.js";
import { assertEditable, presentItem, saveSale, withSale } from "../auctions/items.js";
import type { Db, Queryable } from "../db/db.js";
import type { OutboxWrite } from "../outbox/outbox.js";
import { ITEM_EVENTS, listEvents } from "../timeline/store.js";
import type { ItemWrite, Timeline } from "../timeline/timeline.js";
import { itemPolicy } from "./policy.js";
import { buildSearchQuery } from "./search.js";
import type { SearchGate } from "./search-gate.js";
import {
  countFacets,
  getItem,
  insertItem,
  listItems,
  listSellerItems,
  setWithdrawn,
  updateItemDetails,
} from "./store.js";

export type ItemService = ReturnType<typeof createItemService>;

/** The author of an event, as the timeline shows it. */
export const authorOf = (user: User) => ({
  id: user.id,
  username: user.username,
  displayName: user.displayName,
  role: user.role,
});

/** The details an item has now, as its `custom:item_details` events carry them. */
const detailsOf = (item: Item): ItemDetails => ({
  title: item.title,
  description: item.description,
  price: item.price,
  imageUrl: item.imageUrl,
  images: item.images,
  category: item.category,
  condition: item.condition,
  tags: item.tags,
  specs: item.specs,
  quantity: item.quantity,
  location: item.location,
  shippingOptions: item.shippingOptions,
  offers: item.offers,
});

/** The catalog fields of a new item that its request leaves out. */
export const NEW_ITEM_DETAILS: Omit<ItemDetails, "title" | "description" | "price"> = {
  imageUrl: null,
  images: [],
  category: null,
  condition: null,
  tags: [],
  specs: [],
  quantity: 1,
  location: {},
  shippingOptions: [],
  offers: { enabled: true },
};

/**
 * The details after applying `input` to `base`. `imageUrl` is always `images[0]`: sending `images` sets
 * both, sending only `imageUrl` (a v1 client) replaces the cover and keeps the other photos.
 */
function applyDetails(base: ItemDetails, input: UpdateItemRequest): ItemDetails {
  const { imageUrl, images, ...rest } = input;
  const next: ItemDetails = { ...base };
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) Object.assign(next, { [key]: value });
  }
  if (rest.category === null) next.category = null;
  if (rest.condition === null) next.condition = null;
  if (images !== undefined) {
    if (imageUrl !== undefined && imageUrl !== images[0]) {
      throw new AppError("bad_request", "The cover photo is the first of the photos", [
        { path: "imageUrl", message: "Leave this out, or make it the first photo" },
      ]);
    }
    next.images = images;
  } else if (imageUrl !== undefined) {
    next.images = imageUrl === null ? [] : [imageUrl, ...base.images.slice(1)];
  }
  next.imageUrl = next.images[0] ?? null;
  const problems = [
    ...next.shippingOptions
      .map((option, i) =>
        option.cost.currency === next.price.currency
          ? null
          : { path: `shippingOptions.${i}.cost.currency`, message: "Use the same currency as the price" },
      )
      .filter((problem) => problem !== null),
    ...(next.offers.minAmount && next.offers.minAmount.currency !== next.price.currency
      ? [{ path: "offers.minAmount.currency", message: "Use the same currency as the price" }]
      : []),
    ...(next.offers.minAmount && next.offers.minAmount.amount > next.price.amount
      ? [
          {
            path: "offers.minAmount.amount",
            message: "The lowest offer you accept cannot be above the price",
          },
        ]
      : []),
  ];
  if (problems.length > 0) throw new AppError("bad_request", problems[0]!.message, problems);
  return next;
}

/** Refuses writes on items that are no longer open: `item_removed`, `item_sold`, `item_reserved`. */
export function assertOpen(item: Item, allow: { reserved?: boolean; sold?: boolean } = {}): void {
  if (item.status === "removed") throw new AppError("item_removed", "This item was removed");
  if (item.status === "sold" && !allow.sold) throw new AppError("item_sold", "This item is sold");
  if (item.status === "reserved" && !allow.reserved) {
    throw new AppError("item_reserved", "This item is reserved by a buyer who is paying");
  }
}

/**
 * An item's outbox entry, with its public state after the change: `item.created`, `item.updated`,
 * `item.sold`, `item.removed` (the feed's types), plus what the change was (`previousPrice`, `reason`).
 */
export function itemEntry(
  type: `item.${string}`,
  item: Item,
  about: Record<string, unknown> = {},
): OutboxWrite {
  return { type, resource: { type: "item", id: item.id }, data: { item, ...about } };
}

export async function requireItem(q: Queryable, id: string, forUpdate = false): Promise<Item> {
  const item = await getItem(q, id, { forUpdate });
  if (!item) throw new AppError("not_found", "No such item");
  return item;
}

/**
 * Runs inside the write that takes an item off the marketplace (a withdrawal, a moderator's removal):
 * the deal engine ends the item's open offers there.
 */
export type OnItemRemoved = (write: ItemWrite, item: Item, reason: string) => Promise<void>;

export function createItemService(deps: {
  db: Db;
  timeline: Timeline;
  searchGate: SearchGate;
  onRemoved?: OnItemRemoved;
}) {
  const { db, timeline, searchGate } = deps;

  return {
    async create(user: User, input: CreateItemRequest): Promise<Item> {
      if (!itemPolicy.create(user)) throw new AppError("forbidden", "Only sellers can list items");
      const id = randomUUID();
      const { sale, ...fields } = input;
      const details = withSale(
        applyDetails({ ...NEW_ITEM_DETAILS, ...fields, imageUrl: null }, fields),
        sale,
      );
      return timeline.write(id, async (write) => {
        await insertItem(write.tx, { id, sellerId: user.id, ...details });
        await saveSale(write.tx, { id, auction: null }, details, sale);
        await write.append({ type: "custom:item_details", author: authorOf(user), body: details });
        write.changed();
        const created = await requireItem(write.tx, id);
        await write.announce(itemEntry("item.created", created));
        return presentItem(write.tx, created, user);
      });
    },

    async update(user: User, id: string, patch: UpdateItemRequest): Promise<Item> {
      return timeline.write(id, async (write) => {
        const item = await requireItem(write.tx, id, true);
        if (!itemPolicy.edit(user, item))
          throw new AppError("forbidden", "Only the item's seller can edit it");
        assertOpen(item);
        assertEditable(item, patch);
        const { sale, ...fields } = patch;
        const details = withSale(applyDetails(detailsOf(item), fields), sale);
        await updateItemDetails(write.tx, id, details);
        await saveSale(write.tx, item, details, sale);
        await write.append({ type: "custom:item_details", author: authorOf(user), body: details });
        write.changed();
        const updated = await requireItem(write.tx, id);
        await write.announce(itemEntry("item.updated", updated, { previousPrice: item.price }));
        return presentItem(write.tx, updated, user);
      });
    },

    /** The item as `viewer` sees it (an auction's reserve for its seller, a bidder's own maximum). */
    get: async (id: string, viewer: User | null = null) => presentItem(db, await requireItem(db, id), viewer),

    /**
     * A page of the marketplace. A keyword search passes the search gate and runs in a transaction with
     * the gate's time left as its statement timeout: a search too costly to finish in time is refused.
     */
    async list(query: ListItemsQuery): Promise<ItemPage> {
      const tooSlow = () =>
        new AppError("rate_limited", "That search took too long; try fewer or longer words", {
          retryAfterSeconds: 1,
        });
      const page = async (q: Queryable, inTime: () => Promise<void>) => {
        const tsquery = query.q ? await buildSearchQuery(q, query.q) : null;
        if (query.q && !tsquery) return { items: [], nextCursor: null };
        await inTime();
        const result = await listItems(q, query, tsquery);
        if (!query.facets) return result;
        await inTime();
        return { ...result, facets: await countFacets(q, query, tsquery) };
      };
      if (!query.q) return page(db, async () => {});
      return searchGate.run((remainingMs) => {
        // The statement timeout cancels a slow statement on a PostgreSQL server. The embedded database
        // can neither cancel one nor let other requests in while it runs statements back to back, so
        // between statements the search checks its deadline and yields, letting waiting requests reach
        // the gate (which refuses searches beyond its queue) and the database.
        const deadline = Date.now() + remainingMs;
        const inTime = async () => {
          await new Promise((resolve) => setImmediate(resolve));
          if (Date.now() > deadline) throw tooSlow();
        };
        return db
          .transaction(async (tx) => {
            await tx.query(`set local statement_timeout = ${Math.ceil(remainingMs)}`);
            return page(tx, inTime);
          })
          .catch((error: unknown) => {
            throw (error as { code?: unknown }).code === "57014" ? tooSlow() : error;
          });
      });
    },

    /** The seller's own items, withdrawn ones included, with how many people and messages each room has. */
    mine: (user: User) => listSellerItems(db, user.id),

    /** The seller takes an available item off the marketplace (status `removed`, `withdrawnAt` set). */
    withdraw: (user: User, id: string) =>
      timeline.write(id, async (write) => {
        const item = await requireItem(write.tx, id, true);
        if (!itemPolicy.edit(user, item))
          throw new AppError("forbidden", "Only the item's seller can withdraw it");
        assertOpen(item);
        const reason = "The seller withdrew the item";
        await setWithdrawn(write.tx, id, true);
        await deps.onRemoved?.(write, item, reason);
        write.changed();
        const withdrawn = await requireItem(write.tx, id);
        await write.announce(itemEntry("item.removed", withdrawn, { by: "seller", reason }));
        return withdrawn;
      }),

    /** The seller puts a withdrawn item back (a moderator's removal stays). */
    relist: (user: User, id: string) =>
      timeline.write(id, async (write) => {
        const item = await requireItem(write.tx, id, true);
        if (!itemPolicy.edit(user, item))
          throw new AppError("forbidden", "Only the item's seller can relist it");
        if (item.status !== "removed" || !item.withdrawnAt) {
          throw new AppError("conflict", "Only an item you withdrew can be relisted");
        }
        await setWithdrawn(write.tx, id, false);
        write.changed();
        const relisted = await requireItem(write.tx, id);
        await write.announce(itemEntry("item.updated", relisted, { previousPrice: item.price }));
        return relisted;
      }),

    async events(id: string, query: EventsQuery) {
      await requireItem(db, id);
      return listEvents(db, ITEM_EVENTS, id, query.after, query.limit);
    },
  };
}
