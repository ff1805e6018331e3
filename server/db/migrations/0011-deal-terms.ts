import type { Migration } from "./index.js";

/**
 * A deal's terms beyond one unit at the item's price: its shipping choice and address, and several
 * units per item (the catalog's `quantity`): an item may now have several open payments, one per deal.
 */
export const dealTerms: Migration = {
  version: "0011-deal-terms",
  statements: [
    // { optionId, name, cost: Money } as chosen at checkout; null for pickup or arranged in chat.
    "alter table deals add column shipping jsonb",
    // Address, shown to the parties and moderators once paid; never written to an item's timeline.
    "alter table deals add column shipping_address jsonb",
    "drop index payments_one_open_per_item",
    `create unique index payments_one_open_per_deal on payments (deal_id)
       where status in ('requires_payment', 'processing', 'failed')`,
    "create index payments_open_by_item on payments (item_id) where status in ('requires_payment', 'processing', 'failed')",
  ],
};
