import type { Item } from "../../shared/items.js";
import type { User } from "../../shared/users.js";
import type { PaymentRecord } from "./store.js";

export const paymentPolicy = {
  /** Anyone signed in buys, sellers included; moderators neither buy nor sell (v2 amendment 1). */
  checkout: (user: User) => user.role !== "moderator",
  /** Nobody buys their own item. */
  buy: (user: User, item: Item) => item.seller.id !== user.id,
  /** A payment is its buyer's alone: only they see, confirm or cancel it. */
  pay: (user: User, payment: PaymentRecord) => payment.buyerId === user.id,
};
