import { useEffect, useState } from "react";
import { categoryName } from "../../../shared/categories.js";
import { bodyOf, type ItemEvent, isHidden } from "../../../shared/events.js";
import { CONDITION_NAMES } from "../../../shared/items.js";
import { formatMoney } from "../../../shared/money.js";
import type { User } from "../../../shared/users.js";
import { AuctionCalls, AuctionPanel } from "../components/auction-panel.js";
import { Avatar } from "../components/avatar.js";
import { Checkout } from "../components/checkout.js";
import { Composer } from "../components/composer.js";
import { HeartButton } from "../components/heart-button.js";
import { ItemForm } from "../components/item-form.js";
import { ItemImage } from "../components/item-image.js";
import {
  MessageModerationButtons,
  moderationActions,
  reportActions,
} from "../components/moderation-actions.js";
import { Offers } from "../components/offers.js";
import { useReasonDialog } from "../components/reason-dialog.js";
import { SellerRating } from "../components/stars.js";
import { StatusBadge } from "../components/status-badge.js";
import { Timeline } from "../components/timeline.js";
import { askToSignIn, Link } from "../state/router.js";
import { recordSuspension, useSuspended } from "../state/suspended.js";
import { useRoom } from "../state/use-room.js";

function typingLine(names: string[]): string {
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}

/** The moderators' reason of the item's latest removal, from its timeline. */
function removalReason(events: readonly ItemEvent[]): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const body = bodyOf(events[i]!, "custom:moderation");
    if (body?.action === "remove") return body.reason;
  }
  return null;
}

/** The photos of an item: the one shown large, and the others as thumbnails to switch to. */
function Gallery({ id, title, images }: { id: string; title: string; images: string[] }) {
  const [shown, setShown] = useState(0);
  const current = images[shown] ?? images[0] ?? null;
  return (
    <>
      <ItemImage id={id} title={title} url={current} />
      {images.length > 1 && (
        <ul className="gallery-thumbs" aria-label="Photos">
          {images.map((url, index) => (
            <li key={url}>
              <button
                type="button"
                aria-pressed={index === shown}
                aria-label={`Photo ${index + 1} of ${images.length}`}
                onClick={() => setShown(index)}
              >
                <img src={url} alt="" loading="lazy" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** An item's room: its details, buying it, and the live conversation about it; open to visitors. */
export function ItemPage({ itemId, user }: { itemId: string; user: User | null }) {
  const room = useRoom(itemId);
  const [editing, setEditing] = useState(false);
  const title = room.item?.title;
  // The tab shows the item, so a row of tabs says which is which.
  useEffect(() => {
    if (!title) return;
    const before = document.title;
    document.title = `${title} · Parley`;
    return () => {
      document.title = before;
    };
  }, [title]);
  const { ask, dialog } = useReasonDialog();
  const { item } = room;
  const isModerator = user?.role === "moderator";
  const suspended = useSuspended(isModerator);
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

  const isSeller = user !== null && item.seller.id === user.id;
  const place = [item.location.city, item.location.country].filter(Boolean).join(", ");
  const facts: [string, string][] = [
    ...(item.category ? [["Category", categoryName(item.category)] as [string, string]] : []),
    ...(item.condition ? [["Condition", CONDITION_NAMES[item.condition]] as [string, string]] : []),
    ...(place ? [["Location", place] as [string, string]] : []),
    ...(item.quantity > 1
      ? [["Available", `${item.quantityAvailable} of ${item.quantity}`] as [string, string]]
      : []),
    ...item.specs,
  ];
  const removal = item.status === "removed" ? removalReason(room.events) : null;

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
                <Gallery id={item.id} title={item.title} images={item.images} />
                <StatusBadge status={item.status} />
                <HeartButton itemId={item.id} title={item.title} className="on-hero" />
              </div>
              <div className="item-info">
                <h1 id="item-title">{item.title}</h1>
                {!item.auction && <p className="item-price">{formatMoney(item.price)}</p>}
                <p className="item-seller">
                  <Avatar id={item.seller.id} name={item.seller.displayName} size={28} />
                  <span>
                    Sold by{" "}
                    <Link href={`/u/${item.seller.username}`}>
                      <strong>{item.seller.displayName}</strong>
                    </Link>
                    {isSeller && " (you)"}
                  </span>
                  <SellerRating sellerId={item.seller.id} />
                </p>
                {item.description && <p className="item-description">{item.description}</p>}
                {facts.length > 0 && (
                  <dl className="item-facts">
                    {facts.map(([name, value]) => (
                      <div key={name}>
                        <dt>{name}</dt>
                        <dd>{value}</dd>
                      </div>
                    ))}
                  </dl>
                )}
                {item.tags.length > 0 && (
                  <ul className="item-tags" aria-label="Tags">
                    {item.tags.map((tag) => (
                      <li key={tag}>
                        <Link href={`/?tag=${encodeURIComponent(tag)}`}>#{tag}</Link>
                      </li>
                    ))}
                  </ul>
                )}
                {item.shippingOptions.length > 0 && (
                  <p className="muted">
                    Shipping:{" "}
                    {item.shippingOptions
                      .map((option) => `${option.name} (${formatMoney(option.cost)})`)
                      .join(", ")}
                  </p>
                )}
                {item.status === "removed" && (
                  <p className="notice removed-notice" role="status">
                    {isSeller ? "The moderators removed your item" : "The moderators removed this item"}
                    {removal ? `. Their reason: “${removal}”` : ""}. Nobody can buy it or write here any more.
                    {isSeller && " If you think this is a mistake, write to the marketplace's operator."}
                  </p>
                )}
                {isSeller &&
                  item.status === "available" &&
                  (!item.auction?.bidCount || item.auction.status === "ended") && (
                    <button type="button" className="button" onClick={() => setEditing(true)}>
                      Edit item
                    </button>
                  )}
                {item.openOffers > 0 && item.status !== "sold" && (
                  <p className="muted open-offers">
                    {item.openOffers} open offer{item.openOffers === 1 ? "" : "s"}
                  </p>
                )}
                {item.auction ? (
                  <AuctionPanel item={item} user={user} onItem={room.setItem} />
                ) : user ? (
                  <>
                    <Checkout item={item} user={user} />
                    <Offers item={item} user={user} />
                  </>
                ) : (
                  item.status === "available" && (
                    <button type="button" className="button primary wide" onClick={askToSignIn}>
                      Sign in to buy
                    </button>
                  )
                )}
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
                  !isSeller &&
                  user && (
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
              {user && room.presence === 1
                ? "Just you here"
                : `${room.presence} ${room.presence === 1 ? "person" : "people"} here`}
            </span>
          </header>
          <Timeline
            events={room.events}
            pending={room.pending}
            me={user}
            parties={item}
            onRetry={room.retry}
            onReachTop={room.hasOlder ? room.loadOlder : undefined}
            footer={item.auction ? <AuctionCalls auction={item.auction} /> : null}
            actions={(event) =>
              !user ? null : isModerator ? (
                <MessageModerationButtons event={event} actions={moderate} suspended={suspended} />
              ) : event.author &&
                event.author.id !== user.id &&
                event.author.role !== "moderator" &&
                !isHidden(event) ? (
                <button type="button" className="chip-button" onClick={() => report.message(event)}>
                  Report
                </button>
              ) : null
            }
          />
          <p className="typing" aria-live="polite">
            {room.typing.length > 0 ? typingLine(room.typing.map((p) => p.displayName)) : ""}
          </p>
          {user ? (
            <Composer
              onSend={room.send}
              onTyping={room.typingChanged}
              closedBecause={
                item.status === "removed"
                  ? `Closed: the moderators removed this item${removal ? ` (“${removal}”)` : ""}.`
                  : null
              }
            />
          ) : (
            <div className="composer-signed-out">
              <p className="muted">Sign in to ask the seller a question.</p>
              <button type="button" className="button primary" onClick={askToSignIn}>
                Sign in to chat
              </button>
            </div>
          )}
        </section>
      </div>
      {dialog}
    </main>
  );
}
