import type { Item } from "../../../shared/items.js";
import { formatMoney } from "../../../shared/money.js";
import { Link } from "../state/router.js";
import { HeartButton } from "./heart-button.js";
import { ItemImage } from "./item-image.js";
import { StatusBadge } from "./status-badge.js";

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
          <p className="item-card-price">{formatMoney(item.price)}</p>
          <p className="item-card-seller">
            by {item.seller.displayName}
            {item.location.city && <span className="item-card-place"> · {item.location.city}</span>}
          </p>
        </div>
      </Link>
    </li>
  );
}
