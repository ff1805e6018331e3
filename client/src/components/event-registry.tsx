import type { ReactNode } from "react";
import { type EventBodies, type EventType, isHidden, type TimelineEvent } from "../../../shared/events.js";
import { formatMoney } from "../../../shared/money.js";
import type { User } from "../../../shared/users.js";
import { dealLine } from "../state/deal-words.js";
import { chatTime } from "../state/time.js";
import { Avatar } from "./avatar.js";
import { LinkifiedText } from "./linkified-text.js";

type Person = { id: string; displayName: string };

/** Who the conversation is between: an item's seller; a deal's seller and buyer. Names and tags come from here. */
export type Parties = { seller: Person; buyer?: Person };

/** What every event view gets: the event, its body narrowed by type, the reader, per-message controls. */
export type EventViewProps<T extends EventType> = {
  event: TimelineEvent;
  body: EventBodies[T];
  /** The reader; null when signed out (nothing is theirs). */
  me: User | null;
  parties?: Parties | undefined;
  /** Controls for this message (Report; Hide, Restore for moderators). */
  extra?: ReactNode;
};

type EventKind<T extends EventType> = {
  /** How the event looks in a conversation. */
  view(props: EventViewProps<T>): ReactNode;
  /** One plain-text line: the console's stream, a report's context, a list's last activity. */
  summary(body: EventBodies[T], event: TimelineEvent): string;
  /** Written by the system (or the server for a person), not a chat message. */
  system: boolean;
};

const FAILURES: Record<string, string> = {
  card_declined: "the card was declined",
  insufficient_funds: "the card has insufficient funds",
  expired_card: "the card has expired",
};

/** A one-line card in the conversation for something that happened (not said). */
function SystemCard(props: { event: TimelineEvent; icon: string; className?: string; children: ReactNode }) {
  return (
    <li className={props.className ?? "system-card"} data-seq={props.event.seq}>
      <span className="system-icon" aria-hidden="true">
        {props.icon}
      </span>
      <span>{props.children}</span>
      <time dateTime={props.event.createdAt}>{chatTime(props.event.createdAt)}</time>
    </li>
  );
}

/** The tag beside an author's name: their part in this conversation, not their account's role. */
function partyTag(author: NonNullable<TimelineEvent["author"]>, parties: Parties | undefined): string | null {
  if (author.role === "moderator") return "Moderator";
  if (author.id === parties?.seller.id) return "Seller";
  if (author.id === parties?.buyer?.id) return "Buyer";
  return null;
}

/** A person named as the reader sees them: "you", or their display name when the conversation knows it. */
function nameOf(
  who: { id: string; username: string },
  me: User | null | undefined,
  parties: Parties | undefined,
) {
  if (who.id === me?.id) return "you";
  return [parties?.buyer, parties?.seller].find((p) => p?.id === who.id)?.displayName ?? who.username;
}

function TextView({ event, body, me, parties, extra }: EventViewProps<"text">) {
  const author = event.author;
  if (!author) return null;
  const mine = me !== null && author.id === me.id;
  const tag = partyTag(author, parties);
  const hidden = isHidden(event);
  return (
    <li
      className={`message${mine ? " mine" : ""}${event.moderation ? " moderated" : ""}`}
      data-seq={event.seq}
    >
      {!mine && <Avatar id={author.id} name={author.displayName} size={32} />}
      <div className="bubble-wrap">
        <div className="bubble-meta">
          <span className="bubble-author">{mine ? "You" : author.displayName}</span>
          {tag && <span className={`role-tag role-${tag.toLowerCase()}`}>{tag}</span>}
          <time dateTime={event.createdAt}>{chatTime(event.createdAt)}</time>
        </div>
        <p className={`bubble${hidden ? " hidden-message" : ""}`}>
          {hidden ? "This message was hidden by a moderator." : <LinkifiedText text={body.text} />}
        </p>
        {event.moderation && (
          <p className="hidden-mark">
            <span className="hidden-tag">Hidden</span> {event.moderation.reason}
          </p>
        )}
        {extra && <div className="message-actions">{extra}</div>}
      </div>
    </li>
  );
}

const paymentLine = (body: EventBodies["custom:payment"], buyer: string) => {
  // A sale from an offer reaches the room without its amount: what the two agreed stays private.
  const amount = body.amount ? formatMoney(body.amount) : "";
  if (body.status === "succeeded") return `Sold to ${buyer}${amount ? ` for ${amount}` : ""}`;
  if (body.status === "refunded") return `${amount || "The payment"} refunded to ${buyer}`;
  return `A payment by ${buyer} did not go through: ${FAILURES[body.failureCode ?? ""] ?? body.failureCode ?? "declined"}`;
};

const moderationLine = (body: EventBodies["custom:moderation"]) =>
  body.action === "hide"
    ? "A moderator hid a message"
    : body.action === "restore"
      ? "A moderator restored a message"
      : "A moderator removed this item";

/** Who took a deal's transition, from the reader's point of view: "You", "Noor", "The buyer". */
function actorName(
  event: TimelineEvent,
  body: EventBodies["custom:deal"],
  me?: User | null,
  parties?: Parties,
) {
  const person =
    event.author ??
    (body.by === "buyer" ? parties?.buyer : body.by === "seller" ? parties?.seller : undefined);
  if (person) return person.id === me?.id ? "You" : person.displayName;
  return body.by === "system" ? "Parley" : `The ${body.by}`;
}

const bidLine = (body: EventBodies["custom:bid"], bidder: string, leader: string) =>
  body.leaderId === body.bidder.id
    ? `${bidder} ${bidder === "you" ? "lead" : "leads"} at ${formatMoney(body.amount)}`
    : `${bidder} bid; ${leader} still ${leader === "you" ? "lead" : "leads"} at ${formatMoney(body.amount)}`;

const auctionLine = (body: EventBodies["custom:auction"], winner: string | null) => {
  if (body.status === "extended") return "A late bid: the auction now ends later";
  if (!winner || !body.amount) return "The auction ended without bids";
  if (!body.reserveMet)
    return `The auction ended at ${formatMoney(body.amount)}, below the reserve: not sold`;
  return `Sold! ${winner === "you" ? "You" : winner} won at ${formatMoney(body.amount)}`;
};

/** "Bea reviewed this deal" (what they wrote stays blind), "Both reviews are published". */
const reviewLine = (body: EventBodies["custom:review"], who: string) =>
  body.action === "published" ? "Both reviews are published" : `${who} reviewed this deal`;

/** Every event type this app shows. A type missing here is skipped, as the contract asks of clients. */
const REGISTRY: { [T in EventType]: EventKind<T> } = {
  text: {
    view: TextView,
    summary: (body, event) => (isHidden(event) ? "(hidden)" : body.text),
    system: false,
  },
  "custom:item_details": {
    view: ({ event, body }) => {
      const who = event.author?.displayName ?? "The seller";
      return (
        <SystemCard event={event} icon={event.seq === 1 ? "✦" : "✎"}>
          <strong>{who}</strong>{" "}
          {event.seq === 1
            ? `listed this item for ${formatMoney(body.price)}`
            : `updated the details: ${body.title}, ${formatMoney(body.price)}`}
        </SystemCard>
      );
    },
    summary: (body, event) =>
      event.seq === 1
        ? `Listed “${body.title}” for ${formatMoney(body.price)}`
        : `Updated the details: “${body.title}”, ${formatMoney(body.price)}`,
    system: true,
  },
  "custom:payment": {
    view: ({ event, body, me, parties }) => (
      <SystemCard
        event={event}
        icon={body.status === "succeeded" ? "✓" : body.status === "refunded" ? "↺" : "!"}
        className={`payment-card payment-${body.status}`}
      >
        {paymentLine(body, nameOf(body.buyer, me, parties))}
      </SystemCard>
    ),
    summary: (body) => paymentLine(body, body.buyer.username),
    system: true,
  },
  "custom:moderation": {
    view: ({ event, body }) => (
      <SystemCard event={event} icon="⚑" className="system-card moderation">
        {moderationLine(body)}
        {body.reason ? `: ${body.reason}` : ""}
      </SystemCard>
    ),
    summary: (body) =>
      `${body.action === "remove" ? "Removed the item" : `${body.action === "hide" ? "Hid" : "Restored"} message #${body.targetSeq}`}: ${body.reason}`,
    system: true,
  },
  "custom:bid": {
    view: ({ event, body, me, parties }) => {
      const leader =
        body.leaderId === body.bidder.id ? body.bidder : { id: body.leaderId, username: "the leader" };
      return (
        <SystemCard event={event} icon="▲" className="system-card bid-card">
          {bidLine(body, nameOf(body.bidder, me, parties), nameOf(leader, me, parties))}
        </SystemCard>
      );
    },
    summary: (body) => bidLine(body, body.bidder.username, "the leader"),
    system: true,
  },
  "custom:auction": {
    view: ({ event, body, me, parties }) => (
      <SystemCard
        event={event}
        icon={body.status === "ended" ? "⚑" : "»"}
        className={`system-card auction-card auction-${body.status}`}
      >
        {auctionLine(body, body.status === "ended" && body.winner ? nameOf(body.winner, me, parties) : null)}
      </SystemCard>
    ),
    summary: (body) => auctionLine(body, body.status === "ended" ? (body.winner?.username ?? null) : null),
    system: true,
  },
  "custom:review": {
    view: ({ event, body, me, parties }) => {
      const party =
        body.role === "buyer" ? parties?.buyer : body.role === "seller" ? parties?.seller : undefined;
      const who = party ? (party.id === me?.id ? "You" : party.displayName) : `The ${body.role ?? "party"}`;
      return (
        <SystemCard event={event} icon="★" className="system-card review-card">
          {reviewLine(body, who)}
        </SystemCard>
      );
    },
    summary: (body) => reviewLine(body, `The ${body.role ?? "party"}`),
    system: true,
  },
  "custom:deal": {
    view: ({ event, body, me, parties }) => (
      <SystemCard event={event} icon="◆" className={`system-card deal-card deal-${body.to}`}>
        {dealLine(body, actorName(event, body, me, parties))}
      </SystemCard>
    ),
    summary: (body, event) => dealLine(body, actorName(event, body)),
    system: true,
  },
};

function kindOf(event: TimelineEvent): EventKind<EventType> | null {
  return (REGISTRY as Record<string, EventKind<EventType> | undefined>)[event.type] ?? null;
}

/** One event of a conversation, drawn by its type's view; unknown types and hidden system events draw nothing. */
export function EventView(props: Omit<EventViewProps<EventType>, "body">): ReactNode {
  const kind = kindOf(props.event);
  if (!kind || (kind.system && isHidden(props.event))) return null;
  const View = kind.view;
  return <View {...props} body={props.event.body as EventBodies[EventType]} />;
}

/** One line for any event. Always plain text. */
export function eventSummary(event: TimelineEvent): { text: string; system: boolean } {
  const kind = kindOf(event);
  if (!kind) return { text: event.type, system: true };
  if (isHidden(event)) return { text: "(hidden)", system: kind.system };
  return { text: kind.summary(event.body as EventBodies[EventType], event), system: kind.system };
}
