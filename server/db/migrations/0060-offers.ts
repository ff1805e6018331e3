import type { Migration } from "./index.js";

/**
 * Offers: the standing numbers of an `offer` deal. `offer_amount`/`offer_by` is the offer on the table now
 * (`offer_round` counts every offer and counter); `buyer_amount` and `seller_amount` are each side's last
 * number, between which a counter must lie; `buyer_offers` counts the buyer's offers (at most 3). The
 * item's `openOffers` counts its `offer` deals in `offered` or `countered` through `deals_open_offers`.
 */
export const offers: Migration = {
  version: "0060-offers",
  statements: [
    "alter table deals add column offer_amount integer",
    "alter table deals add column offer_by text check (offer_by in ('buyer', 'seller'))",
    "alter table deals add column offer_round integer not null default 0",
    "alter table deals add column buyer_amount integer",
    "alter table deals add column seller_amount integer",
    "alter table deals add column buyer_offers integer not null default 0",
    `create index deals_open_offers on deals (item_id, buyer_id)
       where process = 'offer' and state in ('offered', 'countered')`,
  ],
};
