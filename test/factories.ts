import { randomUUID } from "node:crypto";
import type { CreateItemRequest, Item } from "../shared/items.js";
import type { AuthResponse } from "../shared/users.js";
import { call } from "./helpers/http.js";

let counter = 0;

/** A unique valid username with a readable prefix. */
export const uniqueName = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export type Session = AuthResponse;

/** Signs a new seller or buyer up through the API. */
export async function signUp(
  url: string,
  role: "seller" | "buyer",
  overrides: { username?: string; password?: string; displayName?: string } = {},
): Promise<Session> {
  const { status, body } = await call<AuthResponse>(url, "POST", "/api/auth/register", {
    body: {
      username: overrides.username ?? uniqueName(role),
      password: overrides.password ?? "correct horse battery",
      role,
      ...(overrides.displayName ? { displayName: overrides.displayName } : {}),
    },
  });
  if (status !== 201) throw new Error(`sign-up failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Lists an item as `seller` through the API; catalog fields (category, images, …) pass through. */
export async function listItem(
  url: string,
  seller: Session,
  overrides: Partial<{
    title: string;
    description: string;
    price: { amount: number; currency: string };
    imageUrl: string;
  }> &
    Partial<Omit<CreateItemRequest, "title" | "description" | "price" | "imageUrl">> = {},
): Promise<Item> {
  const { title, description, price, imageUrl, ...catalog } = overrides;
  const { status, body } = await call<{ item: Item }>(url, "POST", "/api/items", {
    token: seller.token,
    body: {
      title: title ?? "Vintage bicycle",
      description: description ?? "Steel frame, new tyres.",
      price: price ?? { amount: 2500, currency: "usd" },
      ...(imageUrl ? { imageUrl } : {}),
      ...catalog,
    },
  });
  if (status !== 201) throw new Error(`listing failed: ${status} ${JSON.stringify(body)}`);
  return body.item;
}

export const newClientMessageId = () => randomUUID();
