import type { AuctionState } from "../../../shared/auctions.js";
import type { Item } from "../../../shared/items.js";
import { formatMoney } from "../../../shared/money.js";
import { Link } from "../state/router.js";
import { HeartButton } from "./heart-button.js";
import { ItemImage } from "./item-image.js";
import { StatusBadge } from "./status-badge.js";

/** An auction ends "soon" in its last hour. */
const ENDING_SOON_MS = 3_600_000;

/** An auctioned tile's price line: the current bid (or the starting bid), and "Ending soon" in the last hour. */
function AuctionLine({ auction }: { auction: AuctionState }) {
  const left = Date.parse(auction.endsAt) - Date.now();
  const live = auction.status === "live" && left > 0;
  return (
    <p className="item-card-price">
      {formatMoney(auction.currentPrice ?? auction.startingBid)}
      <span className="item-card-auction">
        {auction.status === "ended" || left <= 0
          ? " · auction ended"
          : live && left <= ENDING_SOON_MS
            ? " · Ending soon"
            : ` · ${auction.currentPrice ? "current bid" : "starting bid"}`}
      </span>
    </p>
  );
}

/** One tile of the marketplace grid; the whole tile is the link to the item's room, the heart saves it. */
export function ItemCard({ item, unread }: { item: Item; unread: number }) {
  return (
    <li className="item-card" data-item-id={item.id}>
      <HeartButton itemId={item.id} title={item.title} className="on-card" />
      <Link href={`/items/${item.id}`} className="item-card-link">
        <div className="item-card-media">
          <ItemImage id={item.id} title={item.title} url={item.imageUrl} />
          <StatusBadge status={item.status} />
          {unread > 0 && (
            <span className="unread">
              {unread}
              <span className="sr-only"> unread</span>
            </span>
          )}
        </div>
        <div className="item-card-body">
          <h3 className="item-card-title">{item.title}</h3>
          {item.auction ? (
            <AuctionLine auction={item.auction} />
          ) : (
            <p className="item-card-price">{formatMoney(item.price)}</p>
          )}
          <p className="item-card-seller">
            by {item.seller.displayName}
            {item.location.city && <span className="item-card-place"> · {item.location.city}</span>}
          </p>
        </div>
      </Link>
    </li>
  );
}
