import type { Item } from "../../shared/items.js";
import type { User } from "../../shared/users.js";

export const itemPolicy = {
  create: (user: User) => user.role === "seller",
  edit: (user: User, item: Item) => item.seller.id === user.id,
};
