import { type ReactNode, useEffect, useRef } from "react";
import { bodyOf, type ItemEvent, isHidden } from "../../../shared/events.js";
import { formatMoney } from "../../../shared/money.js";
import type { User } from "../../../shared/users.js";
import type { PendingMessage } from "../state/use-room.js";
import { Avatar } from "./avatar.js";

const time = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });

const FAILURES: Record<string, string> = {
  card_declined: "the card was declined",
  insufficient_funds: "the card has insufficient funds",
  expired_card: "the card has expired",
};

/** One event of the timeline; types this app does not know are skipped, as the contract asks. */
function EventView({
  event,
  me,
  actions,
}: {
  event: ItemEvent;
  me: User | null;
  actions: ((event: ItemEvent) => ReactNode) | undefined;
}) {
  const text = bodyOf(event, "text");
  if (text && event.author) {
    const mine = me !== null && event.author.id === me.id;
    const extra = actions?.(event);
    return (
      <li
        className={`message${mine ? " mine" : ""}${event.moderation ? " moderated" : ""}`}
        data-seq={event.seq}
      >
        {!mine && <Avatar id={event.author.id} name={event.author.displayName} size={32} />}
        <div className="bubble-wrap">
          <div className="bubble-meta">
            <span className="bubble-author">{mine ? "You" : event.author.displayName}</span>
            {event.author.role === "seller" && <span className="role-tag">Seller</span>}
            <time dateTime={event.createdAt}>{time(event.createdAt)}</time>
          </div>
          <p className={`bubble${isHidden(event) ? " hidden-message" : ""}`}>
            {isHidden(event) ? "This message was hidden by a moderator." : text.text}
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
  const details = bodyOf(event, "custom:item_details");
  if (details && !isHidden(event)) {
    const who = event.author?.displayName ?? "The seller";
    return (
      <li className="system-card" data-seq={event.seq}>
        <span className="system-icon" aria-hidden="true">
          {event.seq === 1 ? "✦" : "✎"}
        </span>
        <span>
          {event.seq === 1 ? (
            <>
              <strong>{who}</strong> listed this item for {formatMoney(details.price)}
            </>
          ) : (
            <>
              <strong>{who}</strong> updated the details: {details.title}, {formatMoney(details.price)}
            </>
          )}
        </span>
        <time dateTime={event.createdAt}>{time(event.createdAt)}</time>
      </li>
    );
  }
  const payment = bodyOf(event, "custom:payment");
  if (payment && !isHidden(event)) {
    const buyer = payment.buyer.id === me?.id ? "you" : payment.buyer.username;
    const amount = payment.amount ? formatMoney(payment.amount) : "";
    const line =
      payment.status === "succeeded"
        ? `Sold to ${buyer}${amount ? ` for ${amount}` : ""}`
        : payment.status === "refunded"
          ? `${amount || "The payment"} refunded to ${buyer}`
          : `A payment by ${buyer} did not go through: ${FAILURES[payment.failureCode ?? ""] ?? payment.failureCode ?? "declined"}`;
    return (
      <li className={`payment-card payment-${payment.status}`} data-seq={event.seq}>
        <span className="system-icon" aria-hidden="true">
          {payment.status === "succeeded" ? "✓" : payment.status === "refunded" ? "↺" : "!"}
        </span>
        <span>{line}</span>
        <time dateTime={event.createdAt}>{time(event.createdAt)}</time>
      </li>
    );
  }
  const moderation = bodyOf(event, "custom:moderation");
  if (moderation && !isHidden(event)) {
    const what =
      moderation.action === "hide"
        ? "A moderator hid a message"
        : moderation.action === "restore"
          ? "A moderator restored a message"
          : "A moderator removed this item";
    return (
      <li className="system-card moderation" data-seq={event.seq}>
        <span className="system-icon" aria-hidden="true">
          ⚑
        </span>
        <span>
          {what}
          {moderation.reason ? `: ${moderation.reason}` : ""}
        </span>
        <time dateTime={event.createdAt}>{time(event.createdAt)}</time>
      </li>
    );
  }
  return null;
}

/** The room's conversation, oldest first, following the newest message unless the reader scrolled up. */
export function Timeline(props: {
  events: ItemEvent[];
  pending: PendingMessage[];
  /** The reader; null when signed out (nothing is theirs). */
  me: User | null;
  onRetry(clientMessageId: string): void;
  /** Per-message controls (Report; Hide, Restore, Suspend for moderators). */
  actions?: (event: ItemEvent) => ReactNode;
}) {
  const list = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const count = props.events.length + props.pending.length;

  // biome-ignore lint/correctness/useExhaustiveDependencies: follow new content, whatever it is
  useEffect(() => {
    const element = list.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [count]);

  return (
    <ol
      className="timeline"
      ref={list}
      aria-label="Conversation"
      aria-live="polite"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
    >
      {props.events.map((event) => (
        <EventView key={event.seq} event={event} me={props.me} actions={props.actions} />
      ))}
      {props.pending.map((message) => (
        <li key={message.clientMessageId} className={`message mine pending ${message.status}`}>
          <div className="bubble-wrap">
            <div className="bubble-meta">
              <span className="bubble-author">You</span>
              <span>{message.status === "sending" ? "Sending…" : (message.error ?? "Not sent")}</span>
            </div>
            <p className="bubble">{message.text}</p>
            {message.status === "failed" && (
              <button
                type="button"
                className="link-button"
                onClick={() => props.onRetry(message.clientMessageId)}
              >
                Retry
              </button>
            )}
          </div>
        </li>
      ))}
    </ol>
  );
}
