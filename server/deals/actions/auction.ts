import { openPaymentHeld } from "../actions.js";
import type { Action } from "../process.js";
import { scheduleItemTimer } from "../timers.js";

/** The item timer that offers a lapsed auction to the next bidder (server/auctions/service.ts). */
export const SECOND_CHANCE_TIMER = "auction.second-chance";

/** The winner's payment for the winning amount, open for AUCTION_PAYMENT_SECONDS. */
export const openAuctionPayment = openPaymentHeld("auctionPaymentSeconds");

/**
 * The winner did not pay: the next bidder gets their chance, decided by an item timer due now (durable,
 * and run by the auctions service, which knows the bids; it offers the second chance once).
 */
export const offerSecondChance: Action = async ({ write, item }) => {
  await scheduleItemTimer(write.tx, { itemId: item.id, name: SECOND_CHANCE_TIMER, seconds: 0 });
};
