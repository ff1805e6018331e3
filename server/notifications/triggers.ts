import type { Money } from "../../shared/money.js";
import { formatMoney } from "../../shared/money.js";
import type { NotificationType } from "../../shared/notifications.js";
import type { OutboxEntry } from "../bus.js";
import type { Queryable } from "../db/db.js";
import { matchSavedSearches } from "../saved-searches/store.js";
import type { NewNotification } from "./store.js";

/**
 * Who gets what for one outbox entry: notifications for recipients, or a conversation's new messages,
 * whose recipients (its members) and coalesced notices the database works out (`notifyMembers`).
 */
export type Plan =
  | { kind: "notify"; userIds: string[]; notification: Notice }
  | {
      kind: "message";
      conversation: { type: "item" | "deal"; id: string };
      messages: ChatMessage[];
      notification: MessageNotice;
    };

type Notice = NewNotification & { type: NotificationType };
/**
 * A message notice: its title for one message and for `{count}` of them (each member's count is of the
 * messages they did not write; the body and `data.seq` are of the last of those).
 */
export type MessageNotice = Pick<NewNotification, "link" | "data"> & {
  titles: { one: string; many: string };
  /**
   * A room's notice only says there is something new: an unread one is left as it is by later messages
   * (the Inbox's live room counts say how many). A deal thread's counts them.
   */
  firstOnly: boolean;
};

type Trigger = (tx: Queryable, entry: OutboxEntry) => Promise<Plan[]>;

type DealData = {
  transition: string;
  by: "buyer" | "seller" | "system";
  itemId: string;
  buyerId: string;
  sellerId: string;
};

const quoted = (title: string) => `“${title}”`;

async function itemTitle(tx: Queryable, itemId: string): Promise<string> {
  const [row] = await tx.query<{ title: string }>("select title from items where id = $1", [itemId]);
  return row?.title ?? "an item";
}

async function displayName(tx: Queryable, userId: unknown): Promise<string> {
  if (typeof userId !== "string") return "Someone";
  const [row] = await tx.query<{ display_name: string }>("select display_name from users where id = $1", [
    userId,
  ]);
  return row?.display_name ?? "Someone";
}

function notify(userIds: (string | null | undefined)[], notification: Notice): Plan[] {
  const unique = [...new Set(userIds.filter((id): id is string => typeof id === "string"))];
  return unique.length > 0 ? [{ kind: "notify", userIds: unique, notification }] : [];
}

/** The party a transition is news to: the other one; both when the marketplace made it. */
function counterparts(deal: DealData): string[] {
  if (deal.by === "buyer") return [deal.sellerId];
  if (deal.by === "seller") return [deal.buyerId];
  return [deal.buyerId, deal.sellerId];
}

/** A deal notification: its title per recipient's role is the same words, the link the deal's page. */
function dealTrigger(
  type: NotificationType | ((deal: DealData) => NotificationType),
  recipients: (deal: DealData, process: string) => string[],
  words: (title: string, deal: DealData) => { title: string; body: string },
): Trigger {
  return async (tx, entry) => {
    const deal = entry.data as DealData;
    const [row] = await tx.query<{ process: string }>("select process from deals where id = $1", [
      entry.resource.id,
    ]);
    if (!row) return [];
    const userIds = recipients(deal, row.process);
    if (userIds.length === 0) return [];
    const { title, body } = words(quoted(await itemTitle(tx, deal.itemId)), deal);
    return notify(userIds, {
      type: typeof type === "function" ? type(deal) : type,
      title,
      body,
      link: `/deals/${entry.resource.id}`,
      data: { dealId: entry.resource.id, itemId: deal.itemId },
    });
  };
}

/** Users watching an item: those who favourited it, but not its seller. */
async function favoritedBy(tx: Queryable, itemId: string, except: string[] = []): Promise<string[]> {
  const rows = await tx.query<{ user_id: string }>(
    `select f.user_id from favorites f join items i on i.id = f.item_id
      where f.item_id = $1 and f.user_id <> i.seller_id and not (f.user_id = any($2::uuid[]))`,
    [itemId, except],
  );
  return rows.map((row) => row.user_id);
}

/** A chat message as `message.created` carries it. */
export type ChatMessage = {
  seq: number;
  authorId: string | null;
  authorName: string | null;
  preview: string;
};

type ItemData = { item: { id: string; title: string; seller: { id: string }; price: Money } };

/** Each outbox type that tells someone something, and how. Types not listed notify nobody. */
export const TRIGGERS: Record<string, Trigger> = {
  // One entry per conversation and reader batch (`collapseMessages`): its messages in order.
  "message.created": async (tx, entry) => {
    const messages = (entry.data.messages as ChatMessage[] | undefined) ?? [entry.data as ChatMessage];
    const conversation = {
      type: entry.resource.type === "item" ? "item" : "deal",
      id: entry.resource.id,
    } as const;
    const [room] = await tx.query<{ title: string; item_id: string }>(
      conversation.type === "item"
        ? "select title, id as item_id from items where id = $1"
        : "select i.title, d.item_id from deals d join items i on i.id = d.item_id where d.id = $1",
      [conversation.id],
      { prepared: true },
    );
    if (!room) return [];
    const { item_id: itemId } = room;
    const title = quoted(room.title);
    return [
      {
        kind: "message",
        conversation,
        messages,
        notification: {
          titles: { one: `New message about ${title}`, many: `{count} new messages about ${title}` },
          firstOnly: conversation.type === "item",
          link: conversation.type === "item" ? `/items/${itemId}` : `/deals/${conversation.id}`,
          data: {
            conversation,
            itemId,
            ...(conversation.type === "deal" ? { dealId: conversation.id } : {}),
          },
        },
      },
    ];
  },

  // A first offer, or the buyer's answer to the seller's counter-offer.
  "deal.offered": dealTrigger(
    (deal) => (deal.transition === "counter" ? "offer.countered" : "offer.received"),
    (deal) => [deal.sellerId],
    (title, deal) =>
      deal.transition === "counter"
        ? { title: `A counter-offer on ${title}`, body: "The buyer answered your counter-offer." }
        : { title: `New offer on ${title}`, body: "Accept, counter or decline it before it expires." },
  ),
  "deal.countered": dealTrigger(
    "offer.countered",
    (deal) => [deal.buyerId],
    (title) => ({ title: `A counter-offer on ${title}`, body: "The seller made you a counter-offer." }),
  ),
  "deal.accepted": dealTrigger("offer.accepted", counterparts, (title) => ({
    title: `Offer accepted on ${title}`,
    body: "Your offer was accepted: the deal goes ahead.",
  })),
  "deal.declined": dealTrigger(
    "offer.declined",
    (deal) => (deal.by === "buyer" ? [deal.sellerId] : [deal.buyerId]),
    (title, deal) => ({
      title: `Offer declined on ${title}`,
      body: deal.by === "system" ? "The item is no longer available." : "Your offer was declined.",
    }),
  ),
  "deal.expired": dealTrigger(
    "offer.expired",
    (deal, process) => (process === "offer" ? [deal.buyerId, deal.sellerId] : []),
    (title) => ({ title: `Offer expired on ${title}`, body: "Nobody answered it in time." }),
  ),
  "deal.paid": dealTrigger(
    "deal.paid",
    (deal) => [deal.sellerId],
    (title) => ({ title: `${title} is paid for`, body: "The buyer paid. Ship it when you can." }),
  ),
  "deal.won": dealTrigger(
    "auction.won",
    (deal) => [deal.buyerId],
    (title) => ({ title: `You won ${title}`, body: "Pay for it to complete your purchase." }),
  ),
  "deal.shipped": dealTrigger(
    "deal.shipped",
    (deal) => [deal.buyerId],
    (title) => ({ title: `${title} has shipped`, body: "Your order is on its way." }),
  ),
  "deal.completed": dealTrigger("deal.completed", counterparts, (title) => ({
    title: `${title}: order completed`,
    body: "The order is complete.",
  })),
  "deal.disputed": dealTrigger("deal.disputed", counterparts, (title) => ({
    title: `${title}: a dispute was opened`,
    body: "A moderator will look at this order.",
  })),
  "deal.refunded": dealTrigger(
    "deal.refunded",
    (deal) => [deal.buyerId],
    (title) => ({ title: `${title}: you were refunded`, body: "The payment was refunded to you." }),
  ),

  "review.published": async (tx, entry) => {
    const { dealId, authorId, subjectId, rating } = entry.data as {
      dealId: string;
      authorId: string;
      subjectId: string;
      rating: number;
    };
    return notify([subjectId], {
      type: "review.published",
      title: `${await displayName(tx, authorId)} reviewed you`,
      body: `${rating} out of 5 stars.`,
      link: `/deals/${dealId}`,
      data: { dealId, reviewId: entry.resource.id },
    });
  },

  "auction.outbid": async (tx, entry) => {
    const { itemId, userId, amount } = entry.data as { itemId: string; userId: string; amount: Money };
    return notify([userId], {
      type: "auction.outbid",
      title: `You were outbid on ${quoted(await itemTitle(tx, itemId))}`,
      body: `The price is now ${formatMoney(amount, "en")}. Bid again to win it.`,
      link: `/items/${itemId}`,
      data: { itemId, amount },
    });
  },

  "auction.ending": async (tx, entry) => {
    const { itemId, endsAt } = entry.data as { itemId: string; endsAt: string };
    const bidders = await tx.query<{ bidder_id: string }>(
      "select distinct bidder_id from bids where item_id = $1",
      [itemId],
    );
    return notify([...(await favoritedBy(tx, itemId)), ...bidders.map((row) => row.bidder_id)], {
      type: "auction.ending",
      title: `${quoted(await itemTitle(tx, itemId))} ends within the hour`,
      body: "Place or raise your bid before it closes.",
      link: `/items/${itemId}`,
      data: { itemId, endsAt },
    });
  },

  "item.updated": async (tx, entry) => {
    const { item, previousPrice } = entry.data as ItemData & { previousPrice?: Money };
    if (
      !previousPrice ||
      previousPrice.currency !== item.price.currency ||
      item.price.amount >= previousPrice.amount
    ) {
      return [];
    }
    return notify(await favoritedBy(tx, item.id), {
      type: "favorite.price_dropped",
      title: `Price drop: ${quoted(item.title)}`,
      body: `Now ${formatMoney(item.price, "en")} (was ${formatMoney(previousPrice, "en")}).`,
      link: `/items/${item.id}`,
      data: { itemId: item.id, price: item.price, previousPrice },
    });
  },

  "item.sold": async (tx, entry) => {
    const { item } = entry.data as ItemData;
    // Its buyers know: they bought it.
    const buyers = await tx.query<{ buyer_id: string }>(
      "select buyer_id from deals where item_id = $1 and state in ('paid', 'shipped', 'completed')",
      [item.id],
    );
    return notify(
      await favoritedBy(
        tx,
        item.id,
        buyers.map((row) => row.buyer_id),
      ),
      {
        type: "favorite.sold",
        title: `${quoted(item.title)} was sold`,
        body: "An item you saved has sold.",
        link: `/items/${item.id}`,
        data: { itemId: item.id },
      },
    );
  },

  "item.created": async (tx, entry) => {
    const { item } = entry.data as ItemData;
    const matches = await matchSavedSearches(tx, item.id);
    const byUser = new Map<string, string[]>();
    for (const match of matches) byUser.set(match.userId, [...(byUser.get(match.userId) ?? []), match.id]);
    return [...byUser].flatMap(([userId, savedSearchIds]) =>
      notify([userId], {
        type: "search.matched",
        title: `New for your saved search: ${quoted(item.title)}`,
        body: `Listed at ${formatMoney(item.price, "en")}.`,
        link: `/items/${item.id}`,
        data: { itemId: item.id, savedSearchIds },
      }),
    );
  },

  "item.removed": async (_tx, entry) => {
    const { item, by, reason } = entry.data as ItemData & { by: string; reason: string };
    if (by !== "moderator") return [];
    return notify([item.seller.id], {
      type: "moderation.action",
      title: `A moderator removed ${quoted(item.title)}`,
      body: `Reason: ${reason}`,
      link: `/items/${item.id}`,
      data: { action: "item.removed", itemId: item.id, reason },
    });
  },

  "message.hidden": async (tx, entry) => {
    const { itemId, seq, authorId, reason } = entry.data as {
      itemId: string;
      seq: number;
      authorId: string;
      reason: string;
    };
    return notify([authorId], {
      type: "moderation.action",
      title: `A moderator hid your message about ${quoted(await itemTitle(tx, itemId))}`,
      body: `Reason: ${reason}`,
      link: `/items/${itemId}`,
      data: { action: "message.hidden", itemId, seq, reason },
    });
  },

  "user.suspended": async (_tx, entry) => {
    const { userId, reason } = entry.data as { userId: string; reason: string };
    return notify([userId], {
      type: "moderation.action",
      title: "A moderator suspended your account",
      body: `Reason: ${reason}`,
      link: "/notifications",
      data: { action: "user.suspended", reason },
    });
  },

  "user.reinstated": async (_tx, entry) => {
    const { userId, reason } = entry.data as { userId: string; reason: string };
    return notify([userId], {
      type: "moderation.action",
      title: "A moderator reinstated your account",
      body: `Reason: ${reason}`,
      link: "/notifications",
      data: { action: "user.reinstated", reason },
    });
  },
};
