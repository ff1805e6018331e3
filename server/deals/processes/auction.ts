import { offerSecondChance, openAuctionPayment } from "../actions/auction.js";
import { creditSale } from "../actions/ledger.js";
import { cancelPayment, capturePayment, releaseItem, reserveItem, sellItem } from "../actions.js";
import type { Process } from "../process.js";
import { FULFILMENT_STATES, FULFILMENT_TERMINAL, fulfilment } from "./fulfilment.js";

/**
 * Auction: the system starts the deal for the winner when the auction closes (server/auctions/), at the
 * winning amount, holding the item while they pay.
 *
 *   win (system, at the close) ──▶ won ──pay──▶ paid
 *                                   │ expire (system, AUCTION_PAYMENT_SECONDS after the win) ──▶ expired
 *                                   │   (then the next bidder by maximum gets a won deal: once)
 *                                   └ void (system: the charge was canceled, or the item removed) ──▶ canceled
 *
 * After `paid`, fulfilment (processes/fulfilment.ts) takes over.
 */
export const auction: Process = {
  name: "auction",
  states: ["won", "paid", ...FULFILMENT_STATES, "expired", "canceled"],
  terminal: ["expired", "canceled", ...FULFILMENT_TERMINAL],
  transitions: [
    {
      name: "win",
      from: [],
      to: "won",
      actor: "system",
      actions: [reserveItem, openAuctionPayment],
    },
    {
      name: "pay",
      from: ["won"],
      to: "paid",
      actor: "system",
      actions: [capturePayment, sellItem, creditSale],
    },
    {
      name: "expire",
      from: ["won"],
      to: "expired",
      actor: "system",
      after: "auctionPaymentSeconds",
      actions: [cancelPayment, releaseItem, offerSecondChance],
    },
    {
      name: "void",
      from: ["won"],
      to: "canceled",
      actor: "system",
      actions: [cancelPayment, releaseItem],
    },
    ...fulfilment,
  ],
};
