import type { Item } from "../../shared/items.js";
import type { User } from "../../shared/users.js";
import type { PaymentRecord } from "./store.js";

export const paymentPolicy = {
  /** Only buyer accounts buy; sellers and moderators never do. */
  checkout: (user: User) => user.role === "buyer",
  /** Nobody buys their own item (a rule of its own, should roles ever overlap). */
  buy: (user: User, item: Item) => item.seller.id !== user.id,
  /** A payment is its buyer's alone: only they see, confirm or cancel it. */
  pay: (user: User, payment: PaymentRecord) => payment.buyerId === user.id,
};
