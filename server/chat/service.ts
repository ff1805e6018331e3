import type { ItemEvent } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import { LIMITS } from "../../shared/limits.js";
import type { ItemMessageSend } from "../../shared/socket.js";
import type { User } from "../../shared/users.js";
import { presentItem } from "../auctions/items.js";
import type { Db } from "../db/db.js";
import { assertOpen, authorOf, requireItem } from "../items/service.js";
import { findEventsByClientIds, ITEM_EVENTS, listEvents } from "../timeline/store.js";
import type { Timeline } from "../timeline/timeline.js";
import { addMember } from "./store.js";

export type ChatService = ReturnType<typeof createChatService>;

export function createChatService(deps: { db: Db; timeline: Timeline }) {
  const { db, timeline } = deps;

  return {
    /**
     * The item and the events after `afterSeq` (below `beforeSeq` when given: the caller delivers the
     * rest live), the latest `LIMITS.joinHistoryMax` of them at most: older ones are paged over HTTP.
     * `subscribe` is called once the history is read.
     * Exactly-once delivery around a join is the room sequencer's (realtime/). A signed-in user becomes a
     * member (unread counts); an anonymous reader only reads.
     */
    async join(
      user: User | null,
      itemId: string,
      afterSeq: number,
      subscribe: () => void,
      beforeSeq: number | null,
    ): Promise<{ item: Item; events: ItemEvent[] }> {
      // The item before its events: its lastSeq then never runs ahead of the history read.
      // As the reader sees it: an auction's reserve for its seller, a bidder's own maximum.
      const item = await presentItem(db, await requireItem(db, itemId), user);
      if (user) await addMember(db, itemId, user.id);
      // Seqs have no gaps, so "below beforeSeq" is a count, and the latest N start at a known seq.
      const end = beforeSeq === null ? item.lastSeq + 1 : beforeSeq;
      const from = Math.max(afterSeq, end - 1 - LIMITS.joinHistoryMax);
      const limit = Math.max(0, end - from - 1);
      const events = limit === 0 ? [] : await listEvents(db, ITEM_EVENTS, itemId, from, limit);
      subscribe();
      return { item, events };
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
      return timeline.appendKeyed(
        input.itemId,
        {
          type: "text",
          author: authorOf(user),
          body: { text: input.text },
          clientMessageId: input.clientMessageId,
        },
        // Chat stays open while an item is reserved or sold: buyer and seller still need to talk.
        (item) => assertOpen(item, { reserved: true, sold: true }),
      );
    },
  };
}
