import { type ReactNode, useEffect, useRef } from "react";
import type { TimelineEvent } from "../../../shared/events.js";
import type { User } from "../../../shared/users.js";
import type { PendingMessage } from "../state/use-conversation.js";
import { EventView, type Parties } from "./event-registry.js";

/** A conversation (an item's room or a deal's thread), oldest first, following the newest message unless the reader scrolled up. */
export function Timeline<E extends TimelineEvent>(props: {
  events: E[];
  pending: PendingMessage[];
  /** The reader; null when signed out (nothing is theirs). */
  me: User | null;
  /** Who the conversation is between, for names and the Seller / Buyer tags. */
  parties?: Parties;
  onRetry(clientMessageId: string): void;
  /** Per-message controls (Report; Hide, Restore, Suspend for moderators). */
  actions?: (event: E) => ReactNode;
  /** Called when the reader reaches the top and older events exist. */
  onReachTop?: () => void;
  /** Lines of the moment after everything else, not events (an auction's "Going once…"): `<li>` elements. */
  footer?: ReactNode;
}) {
  const list = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  // On a phone the page is the one scrolling area (the list does not scroll by itself): follow new messages
  // only once the reader has come down to the end of the page, never pulling them away from the item.
  const pageStick = useRef(false);

  useEffect(() => {
    const onScroll = () => {
      const page = document.documentElement;
      pageStick.current = page.scrollHeight - window.scrollY - window.innerHeight < 120;
    };
    window.addEventListener("scroll", onScroll, { passive: true });
    return () => window.removeEventListener("scroll", onScroll);
  }, []);

  // Follow new content, whatever it is (an event, a pending message, a line of the footer): whenever the
  // list's lines change, not when the parent happens to count them.
  useEffect(() => {
    const element = list.current;
    if (!element) return;
    const follow = () => {
      if (getComputedStyle(element).overflowY === "visible") {
        if (pageStick.current) window.scrollTo({ top: document.documentElement.scrollHeight });
      } else if (stick.current) element.scrollTop = element.scrollHeight;
    };
    follow();
    const observer = new MutationObserver(follow);
    observer.observe(element, { childList: true });
    return () => observer.disconnect();
  }, []);

  return (
    <ol
      className="timeline"
      ref={list}
      aria-label="Conversation"
      aria-live="polite"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        if (el.scrollTop < 40) props.onReachTop?.();
      }}
    >
      {props.events.map((event) => (
        <EventView
          key={event.seq}
          event={event}
          me={props.me}
          parties={props.parties}
          extra={props.actions?.(event)}
        />
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
      {props.footer}
    </ol>
  );
}
