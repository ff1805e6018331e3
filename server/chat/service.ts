import type { ItemEvent } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import { LIMITS } from "../../shared/limits.js";
import type { ItemMessageSend } from "../../shared/socket.js";
import type { User } from "../../shared/users.js";
import { presentItemTo } from "../auctions/items.js";
import type { Db } from "../db/db.js";
import { authorOf, requireItem } from "../items/service.js";
import { findEventsByClientIds, ITEM_EVENTS, listEvents } from "../timeline/store.js";
import type { Timeline } from "../timeline/timeline.js";
import { addMembers } from "./store.js";

export type ChatService = ReturnType<typeof createChatService>;

export function createChatService(deps: { db: Db; timeline: Timeline }) {
  const { db, timeline } = deps;

  return {
    /**
     * Joins of one item's room, as many as arrive together: for each joiner, the item and the events
     * after its `afterSeq` (below `beforeSeq` when given: the caller delivers the rest live), the latest
     * `LIMITS.joinHistoryMax` of them at most: older ones are paged over HTTP. `subscribe` is called
     * once the history is read. However many joiners, this is four reads and one write at most: a
     * thousand sockets joining a hot room at once do not each wait for their own queries.
     * Exactly-once delivery around a join is the room sequencer's (realtime/). A signed-in user becomes a
     * member (unread counts); an anonymous reader only reads.
     */
    async join(
      itemId: string,
      joiners: { user: User | null; afterSeq: number }[],
      subscribe: () => void,
      beforeSeq: number | null,
    ): Promise<{ item: Item; events: ItemEvent[] }[]> {
      // The item before its events: its lastSeq then never runs ahead of the history read.
      const item = await requireItem(db, itemId);
      // As each reader sees it: an auction's reserve for its seller, a bidder's own maximum.
      const items = await presentItemTo(
        db,
        item,
        joiners.map((joiner) => joiner.user),
      );
      const members = new Set(joiners.flatMap((joiner) => (joiner.user ? [joiner.user.id] : [])));
      await addMembers(db, itemId, [...members]);
      // Seqs have no gaps, so "below beforeSeq" is a count, and the latest N start at a known seq.
      const end = beforeSeq === null ? item.lastSeq + 1 : beforeSeq;
      const froms = joiners.map((joiner) => Math.max(joiner.afterSeq, end - 1 - LIMITS.joinHistoryMax));
      // One read from the earliest anyone needs; each joiner gets its part of it.
      const from = Math.min(...froms);
      const limit = Math.max(0, end - from - 1);
      const events = limit === 0 ? [] : await listEvents(db, ITEM_EVENTS, itemId, from, limit);
      subscribe();
      return joiners.map((_, i) => ({
        item: items[i]!,
        events: events.filter((event) => event.seq > froms[i]!),
      }));
    },

    /** The event a `message:send` of this user with this `clientMessageId` already wrote, if any. */
    async findSent(user: User, input: ItemMessageSend): Promise<ItemEvent | null> {
      const found = await findEventsByClientIds(db, ITEM_EVENTS, [
        { authorId: user.id, clientMessageId: input.clientMessageId },
      ]);
      const event = found.get(`${user.id}/${input.clientMessageId}`);
      return event && event.itemId === input.itemId ? event : null;
    },

    /**
     * Appends a chat message. A repeated `clientMessageId` from the same user writes nothing and returns
     * the first event (`duplicate: true`), which is then neither written nor published again.
     */
    send(user: User, input: ItemMessageSend): Promise<{ event: ItemEvent; duplicate: boolean }> {
      return timeline.appendKeyed(input.itemId, {
        type: "text",
        author: authorOf(user),
        body: { text: input.text },
        clientMessageId: input.clientMessageId,
      });
    },
  };
}
