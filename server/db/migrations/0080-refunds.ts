import type { Migration } from "./index.js";

/**
 * Refunds after a sale (fulfilment: `cancel-order`, `auto-cancel`, a moderator's `resolve`) may be partial:
 * the payment records how much went back. Earlier refunds were all full.
 */
export const refunds: Migration = {
  version: "0080-refunds",
  statements: [
    "alter table payments add column refunded_amount integer check (refunded_amount > 0 and refunded_amount <= amount)",
    "update payments set refunded_amount = amount where status = 'refunded'",
  ],
};
