import { useId, useMemo, useState } from "react";
import type { EventAuthor, TimelineEvent } from "../../../shared/events.js";
import type { Item } from "../../../shared/items.js";
import { Link } from "../state/router.js";
import { clock } from "../state/time.js";
import { type FeedState, feedKey } from "../state/use-moderation-feed.js";
import { Avatar } from "./avatar.js";
import { eventSummary } from "./event-registry.js";
import { MessageModerationButtons, type ModerationActions } from "./moderation-actions.js";
import { StatusBadge } from "./status-badge.js";

const ROLE_LABELS: Record<EventAuthor["role"], string> = {
  seller: "Seller",
  buyer: "Buyer",
  moderator: "Moderator",
};

function StreamRow(props: {
  event: TimelineEvent;
  item: Item | undefined;
  actions: ModerationActions;
  suspended: ReadonlySet<string>;
}) {
  const { event, item } = props;
  const summary = eventSummary(event);
  const author = event.author;
  return (
    <li
      className={`stream-row${summary.system ? " system" : ""}${event.moderation ? " moderated" : ""}`}
      data-seq={event.seq}
    >
      <time className="stream-time" dateTime={event.createdAt}>
        {clock(event.createdAt)}
      </time>
      <div className="stream-main">
        <div className="stream-head">
          {"itemId" in event ? (
            <Link href={`/items/${event.itemId}`} className="stream-room">
              {item?.title ?? "Item"}
            </Link>
          ) : (
            <Link href={`/deals/${event.dealId}`} className="stream-room">
              Private deal thread
            </Link>
          )}
          <span className="stream-seq">#{event.seq}</span>
          {author ? (
            <span className="stream-author">
              <Avatar id={author.id} name={author.displayName} size={20} />
              <strong>{author.displayName}</strong>
              <span className="muted">@{author.username}</span>
              {author.role !== "buyer" && (
                <span className={`role-tag role-${author.role}`}>{ROLE_LABELS[author.role]}</span>
              )}
              {props.suspended.has(author.id) && <span className="role-tag suspended">Suspended</span>}
            </span>
          ) : (
            <span className="stream-author muted">System</span>
          )}
        </div>
        <p className="stream-text">{summary.text}</p>
        {event.moderation && (
          <p className="hidden-mark">
            <span className="hidden-tag">Hidden</span> {event.moderation.reason}
          </p>
        )}
      </div>
      <div className="stream-actions">
        {/* Hiding is for item rooms; a deal thread is read here and on its page. */}
        {"itemId" in event && (
          <MessageModerationButtons event={event} actions={props.actions} suspended={props.suspended} />
        )}
      </div>
    </li>
  );
}

/** Every room at once, newest first, filtered by room and by author. */
export function LiveStream(props: {
  feed: FeedState;
  actions: ModerationActions;
  suspended: ReadonlySet<string>;
}) {
  const { feed } = props;
  const id = useId();
  const [itemFilter, setItemFilter] = useState("");
  const [authorFilter, setAuthorFilter] = useState("");
  const items = useMemo(() => new Map(feed.items.map((item) => [item.id, item])), [feed.items]);
  const authors = useMemo(() => {
    const seen = new Map<string, EventAuthor>();
    for (const event of feed.events) if (event.author) seen.set(event.author.id, event.author);
    return [...seen.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
  }, [feed.events]);
  const shown = feed.events.filter(
    (event) =>
      (!itemFilter || ("itemId" in event && event.itemId === itemFilter)) &&
      (!authorFilter || event.author?.id === authorFilter),
  );
  const filtered = Boolean(itemFilter || authorFilter);

  return (
    <div className="console-live">
      <section className="card console-panel stream-panel" aria-labelledby={`${id}-title`}>
        <header className="panel-head">
          <h2 id={`${id}-title`}>Live stream</h2>
          <span className={`live-status live-${feed.status}`} role="status">
            <span className="live-dot" aria-hidden="true" />
            {feed.status === "live"
              ? "Live: every room"
              : feed.status === "error"
                ? "Not watching"
                : "Connecting…"}
          </span>
        </header>
        <div className="stream-filters">
          <div className="field compact">
            <label htmlFor={`${id}-item`}>Room</label>
            <select id={`${id}-item`} value={itemFilter} onChange={(e) => setItemFilter(e.target.value)}>
              <option value="">All rooms</option>
              {feed.items.map((item) => (
                <option key={item.id} value={item.id}>
                  {item.title}
                </option>
              ))}
            </select>
          </div>
          <div className="field compact">
            <label htmlFor={`${id}-author`}>Author</label>
            <select
              id={`${id}-author`}
              value={authorFilter}
              onChange={(e) => setAuthorFilter(e.target.value)}
            >
              <option value="">Everyone</option>
              {authors.map((author) => (
                <option key={author.id} value={author.id}>
                  {author.displayName} (@{author.username})
                </option>
              ))}
            </select>
          </div>
          {filtered && (
            <button
              type="button"
              className="button small ghost"
              onClick={() => {
                setItemFilter("");
                setAuthorFilter("");
              }}
            >
              Clear filters
            </button>
          )}
          <span className="stream-count muted">
            {shown.length} {shown.length === 1 ? "event" : "events"}
          </span>
        </div>
        {feed.error && (
          <p className="form-error" role="alert">
            {feed.error}
          </p>
        )}
        {shown.length === 0 ? (
          <p className="empty muted">
            {filtered ? "Nothing matches these filters yet." : "Waiting for activity in any room…"}
          </p>
        ) : (
          <ol className="stream" aria-label="Events from every room">
            {shown.map((event) => (
              <StreamRow
                key={feedKey(event)}
                event={event}
                item={"itemId" in event ? items.get(event.itemId) : undefined}
                actions={props.actions}
                suspended={props.suspended}
              />
            ))}
          </ol>
        )}
      </section>

      <aside className="card console-panel rooms-panel" aria-labelledby={`${id}-rooms`}>
        <header className="panel-head">
          <h2 id={`${id}-rooms`}>Active rooms</h2>
          <span className="muted">{feed.items.length}</span>
        </header>
        <ul className="room-list">
          {feed.items.map((item) => (
            <li key={item.id} className={item.id === itemFilter ? "selected" : undefined}>
              <div className="room-line">
                <Link href={`/items/${item.id}`} className="room-title">
                  {item.title}
                </Link>
                <StatusBadge status={item.status} />
              </div>
              <div className="room-line muted">
                <span>by {item.seller.displayName}</span>
                <span className="room-actions">
                  <button
                    type="button"
                    className="chip-button"
                    aria-pressed={item.id === itemFilter}
                    onClick={() => setItemFilter(item.id === itemFilter ? "" : item.id)}
                  >
                    {item.id === itemFilter ? "Showing" : "Filter"}
                    <span className="sr-only"> {item.title}</span>
                  </button>
                  {item.status !== "removed" && (
                    <button
                      type="button"
                      className="chip-button danger"
                      onClick={() => props.actions.removeItem(item)}
                    >
                      Remove<span className="sr-only"> {item.title}</span>
                    </button>
                  )}
                </span>
              </div>
            </li>
          ))}
        </ul>
      </aside>
    </div>
  );
}
