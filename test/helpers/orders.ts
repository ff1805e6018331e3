import type { Deal } from "../../shared/deals.js";
import type { Session } from "../factories.js";
import { call } from "./http.js";
import { confirm } from "./payments.js";

export const ADDRESS = {
  name: "Ada Buyer",
  line1: "1 Main St",
  city: "Springfield",
  postalCode: "12345",
  country: "US",
};

/** Checks out `itemId` with the given terms and pays with a good card: the deal is `paid`. */
export async function buyAndPay(
  url: string,
  buyer: Session,
  itemId: string,
  terms: { quantity?: number; shippingOptionId?: string } = {},
): Promise<Deal> {
  const body = terms.shippingOptionId ? { ...terms, shippingAddress: ADDRESS } : terms;
  const started = await call<{ deal: Deal; payment: { id: string } }>(
    url,
    "POST",
    `/api/items/${itemId}/checkout`,
    {
      token: buyer.token,
      body,
    },
  );
  if (started.status !== 201)
    throw new Error(`checkout failed: ${started.status} ${JSON.stringify(started.body)}`);
  const paid = await confirm(url, buyer, started.body.payment.id);
  if (paid.status !== 200) throw new Error(`payment failed: ${paid.status} ${JSON.stringify(paid.body)}`);
  return dealOf(url, buyer, started.body.deal.id);
}

export async function dealOf(url: string, session: Session, dealId: string): Promise<Deal> {
  const { status, body } = await call<{ deal: Deal }>(url, "GET", `/api/deals/${dealId}`, {
    token: session.token,
  });
  if (status !== 200) throw new Error(`deal read failed: ${status}`);
  return body.deal;
}

/** Takes a deal's transition over HTTP, as its actor would. */
export const takeTransition = (url: string, session: Session, dealId: string, name: string, body?: unknown) =>
  call<{ deal: Deal }>(url, "POST", `/api/deals/${dealId}/transitions/${name}`, {
    token: session.token,
    ...(body === undefined ? {} : { body }),
  });

/** A paid deal the buyer confirms: `completed`. */
export async function completeDeal(url: string, buyer: Session, dealId: string): Promise<Deal> {
  const { status, body } = await takeTransition(url, buyer, dealId, "confirm-received");
  if (status !== 200) throw new Error(`confirm-received failed: ${status} ${JSON.stringify(body)}`);
  return body.deal;
}
