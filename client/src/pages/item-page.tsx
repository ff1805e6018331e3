import { useState } from "react";
import { isHidden } from "../../../shared/events.js";
import { formatMoney } from "../../../shared/money.js";
import type { User } from "../../../shared/users.js";
import { Avatar } from "../components/avatar.js";
import { Checkout } from "../components/checkout.js";
import { Composer } from "../components/composer.js";
import { ItemForm } from "../components/item-form.js";
import { ItemImage } from "../components/item-image.js";
import {
  MessageModerationButtons,
  moderationActions,
  reportActions,
} from "../components/moderation-actions.js";
import { useReasonDialog } from "../components/reason-dialog.js";
import { StatusBadge } from "../components/status-badge.js";
import { Timeline } from "../components/timeline.js";
import { Link } from "../state/router.js";
import { recordSuspension, useSuspended } from "../state/suspended.js";
import { useRoom } from "../state/use-room.js";

function typingLine(names: string[]): string {
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}

/** An item's room: its details, buying it, and the live conversation about it. */
export function ItemPage({ itemId, user }: { itemId: string; user: User }) {
  const room = useRoom(itemId);
  const [editing, setEditing] = useState(false);
  const { ask, dialog } = useReasonDialog();
  const suspended = useSuspended();
  const { item } = room;
  const isModerator = user.role === "moderator";
  const moderate = moderationActions(ask, {
    onEvent: (event) => room.merge([event]),
    onItem: room.setItem,
    onUser: recordSuspension,
  });
  const report = reportActions(ask);

  if (!item) {
    return (
      <main className="page">
        <p className={room.error ? "form-error" : "muted"} role={room.error ? "alert" : "status"}>
          {room.error ?? "Opening the room…"}
        </p>
        <Link href="/">Back to the marketplace</Link>
      </main>
    );
  }

  const isSeller = item.seller.id === user.id;

  return (
    <main className="page item-page">
      <Link href="/" className="back-link">
        ← Marketplace
      </Link>
      <div className="item-layout">
        <article className="card item-details" aria-labelledby="item-title">
          {editing ? (
            <>
              <h1 id="item-title">Edit your item</h1>
              <ItemForm
                item={item}
                submitLabel="Save changes"
                onSaved={(saved) => {
                  room.setItem(saved);
                  setEditing(false);
                }}
                onCancel={() => setEditing(false)}
              />
            </>
          ) : (
            <>
              <div className="item-hero">
                <ItemImage id={item.id} title={item.title} url={item.imageUrl} />
                <StatusBadge status={item.status} />
              </div>
              <div className="item-info">
                <h1 id="item-title">{item.title}</h1>
                <p className="item-price">{formatMoney(item.price)}</p>
                <p className="item-seller">
                  <Avatar id={item.seller.id} name={item.seller.displayName} size={28} />
                  <span>
                    Sold by <strong>{item.seller.displayName}</strong>
                    {isSeller && " (you)"}
                  </span>
                </p>
                {item.description && <p className="item-description">{item.description}</p>}
                {isSeller && item.status === "available" && (
                  <button type="button" className="button" onClick={() => setEditing(true)}>
                    Edit item
                  </button>
                )}
                <Checkout item={item} user={user} />
                {isModerator ? (
                  <div className="moderator-bar">
                    <span className="moderator-label">Moderator</span>
                    {item.status !== "removed" && (
                      <button
                        type="button"
                        className="button small danger-outline"
                        onClick={() => moderate.removeItem(item)}
                      >
                        Remove item
                      </button>
                    )}
                    {!suspended.has(item.seller.id) ? (
                      <button
                        type="button"
                        className="button small"
                        onClick={() => moderate.suspend(item.seller)}
                      >
                        Suspend seller
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button small"
                        onClick={() => moderate.reinstate(item.seller)}
                      >
                        Reinstate seller
                      </button>
                    )}
                  </div>
                ) : (
                  !isSeller && (
                    <button
                      type="button"
                      className="link-button report-item"
                      onClick={() => report.item(item)}
                    >
                      Report item
                    </button>
                  )
                )}
              </div>
            </>
          )}
        </article>

        <section className="card chat" aria-labelledby="chat-title">
          <header className="chat-head">
            <h2 id="chat-title">Conversation</h2>
            <span className="presence" aria-live="polite">
              <span className="presence-dot" aria-hidden="true" />
              {room.presence === 1 ? "Just you here" : `${room.presence} people here`}
            </span>
          </header>
          <Timeline
            events={room.events}
            pending={room.pending}
            me={user}
            onRetry={room.retry}
            onReachTop={room.hasOlder ? room.loadOlder : undefined}
            actions={(event) =>
              isModerator ? (
                <MessageModerationButtons event={event} actions={moderate} suspended={suspended} />
              ) : event.author && event.author.id !== user.id && !isHidden(event) ? (
                <button type="button" className="chip-button" onClick={() => report.message(event)}>
                  Report
                </button>
              ) : null
            }
          />
          <p className="typing" aria-live="polite">
            {room.typing.length > 0 ? typingLine(room.typing.map((p) => p.displayName)) : ""}
          </p>
          <Composer onSend={room.send} onTyping={room.typingChanged} disabled={item.status === "removed"} />
        </section>
      </div>
      {dialog}
    </main>
  );
}
