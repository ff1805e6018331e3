import type { Actor } from "../../shared/events.js";
import type { User } from "../../shared/users.js";
import type { DealRecord } from "./store.js";

export const dealPolicy = {
  /** The user's part in the deal; null for everyone else, to whom the deal does not exist. */
  partyOf(
    user: Pick<User, "id" | "role">,
    deal: Pick<DealRecord, "buyer" | "seller">,
  ): Exclude<Actor, "system"> | null {
    if (user.id === deal.buyer.id) return "buyer";
    if (user.id === deal.seller.id) return "seller";
    if (user.role === "moderator") return "moderator";
    return null;
  },
};
