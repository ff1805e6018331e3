import { useState } from "react";
import { formatMoney } from "../../../shared/money.js";
import type { User } from "../../../shared/users.js";
import { Avatar } from "../components/avatar.js";
import { Checkout } from "../components/checkout.js";
import { Composer } from "../components/composer.js";
import { ItemForm } from "../components/item-form.js";
import { ItemImage } from "../components/item-image.js";
import { StatusBadge } from "../components/status-badge.js";
import { Timeline } from "../components/timeline.js";
import { Link } from "../state/router.js";
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
  const { item } = room;

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
          <Timeline events={room.events} pending={room.pending} me={user} onRetry={room.retry} />
          <p className="typing" aria-live="polite">
            {room.typing.length > 0 ? typingLine(room.typing.map((p) => p.displayName)) : ""}
          </p>
          <Composer onSend={room.send} onTyping={room.typingChanged} disabled={item.status === "removed"} />
        </section>
      </div>
    </main>
  );
}
