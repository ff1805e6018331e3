import { randomUUID } from "node:crypto";
import { AppError } from "../../shared/errors.js";
import type {
  CreateItemRequest,
  EventsQuery,
  Item,
  ItemDetails,
  ListItemsQuery,
  UpdateItemRequest,
} from "../../shared/items.js";
import type { User } from "../../shared/users.js";
import type { Db, Queryable } from "../db/db.js";
import { ITEM_EVENTS, listEvents } from "../timeline/store.js";
import type { Timeline } from "../timeline/timeline.js";
import { itemPolicy } from "./policy.js";
import { getItem, insertItem, listItems, updateItemDetails } from "./store.js";

export type ItemService = ReturnType<typeof createItemService>;

/** The author of an event, as the timeline shows it. */
export const authorOf = (user: User) => ({
  id: user.id,
  username: user.username,
  displayName: user.displayName,
  role: user.role,
});

const detailsOf = (item: Pick<Item, "title" | "description" | "price" | "imageUrl">): ItemDetails => ({
  title: item.title,
  description: item.description,
  price: item.price,
  imageUrl: item.imageUrl,
});

/** Refuses writes on items that are no longer open: `item_removed`, `item_sold`, `item_reserved`. */
export function assertOpen(item: Item, allow: { reserved?: boolean; sold?: boolean } = {}): void {
  if (item.status === "removed") throw new AppError("item_removed", "This item was removed");
  if (item.status === "sold" && !allow.sold) throw new AppError("item_sold", "This item is sold");
  if (item.status === "reserved" && !allow.reserved) {
    throw new AppError("item_reserved", "This item is reserved by a buyer who is paying");
  }
}

export async function requireItem(q: Queryable, id: string, forUpdate = false): Promise<Item> {
  const item = await getItem(q, id, { forUpdate });
  if (!item) throw new AppError("not_found", "No such item");
  return item;
}

export function createItemService(deps: { db: Db; timeline: Timeline }) {
  const { db, timeline } = deps;

  return {
    async create(user: User, input: CreateItemRequest): Promise<Item> {
      if (!itemPolicy.create(user)) throw new AppError("forbidden", "Only sellers can list items");
      const id = randomUUID();
      const details = detailsOf({ ...input, imageUrl: input.imageUrl ?? null });
      return timeline.write(id, async (write) => {
        await insertItem(write.tx, { id, sellerId: user.id, ...details });
        await write.append({ type: "custom:item_details", author: authorOf(user), body: details });
        write.changed();
        return requireItem(write.tx, id);
      });
    },

    async update(user: User, id: string, patch: UpdateItemRequest): Promise<Item> {
      return timeline.write(id, async (write) => {
        const item = await requireItem(write.tx, id, true);
        if (!itemPolicy.edit(user, item))
          throw new AppError("forbidden", "Only the item's seller can edit it");
        assertOpen(item);
        const details = detailsOf({
          ...item,
          ...patch,
          imageUrl: patch.imageUrl === undefined ? item.imageUrl : patch.imageUrl,
        });
        await updateItemDetails(write.tx, id, details);
        await write.append({ type: "custom:item_details", author: authorOf(user), body: details });
        write.changed();
        return requireItem(write.tx, id);
      });
    },

    get: (id: string) => requireItem(db, id),

    list: (query: ListItemsQuery) => listItems(db, query),

    async events(id: string, query: EventsQuery) {
      await requireItem(db, id);
      return listEvents(db, ITEM_EVENTS, id, query.after, query.limit);
    },
  };
}
