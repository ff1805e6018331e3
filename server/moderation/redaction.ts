import type { ItemEvent } from "../../shared/events.js";
import { HIDDEN_BODY } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { User } from "../../shared/users.js";
import { moderationPolicy } from "./policy.js";

/**
 * The one presentation of an event for a viewer; every event that leaves the server (history, joins,
 * acks, live emits) goes through here. Moderators get the event as written, with `moderation` saying
 * it is hidden and why; everyone else gets a hidden event's body as `{ hidden: true }` and nothing else
 * of it.
 */
export function presentEvent(event: ItemEvent, viewer: Pick<User, "role"> | null): ItemEvent {
  const { moderation, ...rest } = event;
  if (!moderation) return rest;
  if (moderationPolicy.seeHidden(viewer)) return { ...rest, moderation };
  return { ...rest, body: { ...HIDDEN_BODY } };
}

export function presentEvents(events: ItemEvent[], viewer: Pick<User, "role"> | null): ItemEvent[] {
  return events.map((event) => presentEvent(event, viewer));
}

/**
 * An item for a viewer: a removed item keeps its id, seller, price and status for everyone (the web app
 * says "removed"), but its title, description and image only for moderators.
 */
export function presentItem(item: Item, viewer: Pick<User, "role"> | null): Item {
  if (item.status !== "removed" || moderationPolicy.seeHidden(viewer)) return item;
  return { ...item, title: "Removed item", description: "", imageUrl: null };
}
