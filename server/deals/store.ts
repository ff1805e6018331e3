import type { Address, PartyRef, ProcessName } from "../../shared/deals.js";
import type { Money } from "../../shared/money.js";
import type { Queryable } from "../db/db.js";

export type DealShipping = { optionId: string; name: string; cost: Money };

/** A deal as stored; `toDeal` (present.ts) turns it into the contract's `Deal` for one viewer. */
export type DealRecord = {
  id: string;
  itemId: string;
  item: { id: string; title: string; imageUrl: string | null };
  process: ProcessName;
  state: string;
  buyer: PartyRef;
  seller: PartyRef;
  quantity: number;
  unitPrice: Money;
  shipping: DealShipping | null;
  total: Money;
  shippingAddress: Address | null;
  paymentId: string | null;
  /** An `offer` deal's standing numbers (amounts in the item's currency); null for other processes. */
  offer: OfferRecord | null;
  /** The earliest pending timer, if any. */
  nextDeadline: string | null;
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
  /** `updated_at` to the microsecond, for the listing's cursor. */
  cursorAt: string;
};

export type OfferRecord = {
  /** The offer on the table (null before the first one is recorded). */
  amount: number | null;
  by: "buyer" | "seller" | null;
  /** Every offer and counter so far. */
  round: number;
  /** Each side's last number. */
  buyerAmount: number | null;
  sellerAmount: number | null;
  /** How many offers the buyer has made (at most 3). */
  buyerOffers: number;
};

type DealRow = {
  id: string;
  item_id: string;
  item_title: string;
  item_image_url: string | null;
  process: ProcessName;
  state: string;
  buyer_id: string;
  buyer_username: string;
  buyer_display_name: string;
  seller_id: string;
  seller_username: string;
  seller_display_name: string;
  quantity: number;
  unit_amount: number;
  currency: Money["currency"];
  total_amount: number;
  shipping: DealShipping | null;
  shipping_address: Address | null;
  payment_id: string | null;
  offer_amount: number | null;
  offer_by: "buyer" | "seller" | null;
  offer_round: number;
  buyer_amount: number | null;
  seller_amount: number | null;
  buyer_offers: number;
  next_deadline: Date | null;
  last_seq: number;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
};

const SELECT_DEALS = `
  select d.id, d.item_id, i.title as item_title, i.image_url as item_image_url, d.process, d.state,
         b.id as buyer_id, b.username as buyer_username, b.display_name as buyer_display_name,
         s.id as seller_id, s.username as seller_username, s.display_name as seller_display_name,
         d.quantity, d.unit_amount, d.currency, d.total_amount, d.shipping, d.shipping_address, d.payment_id, d.last_seq,
         d.offer_amount, d.offer_by, d.offer_round, d.buyer_amount, d.seller_amount, d.buyer_offers,
         d.created_at, d.updated_at,
         to_char(d.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at,
         (select min(t.fire_at) from timers t
           where t.deal_id = d.id and t.fired_at is null and t.canceled_at is null) as next_deadline
  from deals d
  join items i on i.id = d.item_id
  join users b on b.id = d.buyer_id
  join users s on s.id = d.seller_id`;

function toRecord(row: DealRow): DealRecord {
  return {
    id: row.id,
    itemId: row.item_id,
    item: { id: row.item_id, title: row.item_title, imageUrl: row.item_image_url },
    process: row.process,
    state: row.state,
    buyer: { id: row.buyer_id, username: row.buyer_username, displayName: row.buyer_display_name },
    seller: { id: row.seller_id, username: row.seller_username, displayName: row.seller_display_name },
    quantity: row.quantity,
    unitPrice: { amount: row.unit_amount, currency: row.currency },
    shipping: row.shipping,
    total: { amount: row.total_amount, currency: row.currency },
    shippingAddress: row.shipping_address,
    paymentId: row.payment_id,
    offer:
      row.process === "offer"
        ? {
            amount: row.offer_amount,
            by: row.offer_by,
            round: row.offer_round,
            buyerAmount: row.buyer_amount,
            sellerAmount: row.seller_amount,
            buyerOffers: row.buyer_offers,
          }
        : null,
    nextDeadline: row.next_deadline?.toISOString() ?? null,
    lastSeq: row.last_seq,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    cursorAt: row.cursor_at,
  };
}

export async function insertDeal(
  q: Queryable,
  deal: {
    id: string;
    itemId: string;
    process: ProcessName;
    state: string;
    buyerId: string;
    sellerId: string;
    quantity: number;
    unitPrice: Money;
  },
): Promise<void> {
  await q.query(
    `insert into deals (id, item_id, process, state, buyer_id, seller_id, quantity, unit_amount, currency, total_amount)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      deal.id,
      deal.itemId,
      deal.process,
      deal.state,
      deal.buyerId,
      deal.sellerId,
      deal.quantity,
      deal.unitPrice.amount,
      deal.unitPrice.currency,
      deal.unitPrice.amount * deal.quantity,
    ],
  );
}

/** The deal; with `forUpdate`, its row stays locked until the transaction ends. */
export async function getDeal(
  q: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<DealRecord | null> {
  const [row] = await q.query<DealRow>(
    `${SELECT_DEALS} where d.id = $1${options.forUpdate ? " for update of d" : ""}`,
    [id],
  );
  return row ? toRecord(row) : null;
}

/** The deals that exist among `ids`, their rows locked in id order (so two lockers never deadlock). */
export async function lockDeals(q: Queryable, ids: string[]): Promise<Map<string, DealRecord>> {
  const rows = await q.query<DealRow>(
    `${SELECT_DEALS} where d.id in (select value::uuid from jsonb_array_elements_text($1::jsonb))
     order by d.id for update of d`,
    [JSON.stringify(ids)],
  );
  return new Map(rows.map((row) => [row.id, toRecord(row)]));
}

export async function setDealState(q: Queryable, id: string, state: string): Promise<void> {
  await q.query("update deals set state = $2, updated_at = now() where id = $1", [id, state]);
}

/** The deal's terms: units, shipping and the total they make (unit price × quantity + shipping). */
export async function setDealTerms(
  q: Queryable,
  id: string,
  terms: { quantity: number; shipping: DealShipping | null; shippingAddress: Address | null },
): Promise<void> {
  await q.query(
    `update deals set quantity = $2, shipping = $3, shipping_address = $4,
       total_amount = unit_amount * $2 + coalesce(($3::jsonb #>> '{cost,amount}')::int, 0)
     where id = $1`,
    [
      id,
      terms.quantity,
      terms.shipping && JSON.stringify(terms.shipping),
      terms.shippingAddress && JSON.stringify(terms.shippingAddress),
    ],
  );
}

export async function setDealPayment(q: Queryable, id: string, paymentId: string): Promise<void> {
  await q.query("update deals set payment_id = $2 where id = $1", [id, paymentId]);
}

/** Records an offer or counter by `by`: it becomes the offer on the table and that side's last number. */
export async function recordOffer(
  q: Queryable,
  id: string,
  by: "buyer" | "seller",
  amount: number,
): Promise<void> {
  await q.query(
    `update deals set offer_amount = $2, offer_by = $3, offer_round = offer_round + 1,
       buyer_amount = case when $3 = 'buyer' then $2 else buyer_amount end,
       seller_amount = case when $3 = 'seller' then $2 else seller_amount end,
       buyer_offers = buyer_offers + case when $3 = 'buyer' then 1 else 0 end
     where id = $1`,
    [id, amount, by],
  );
}

/** The price both sides agreed becomes the unit price; the total follows (units × price + shipping). */
export async function setDealPrice(q: Queryable, id: string, unitAmount: number): Promise<void> {
  await q.query(
    `update deals set unit_amount = $2,
       total_amount = $2 * quantity + coalesce((shipping #>> '{cost,amount}')::int, 0)
     where id = $1`,
    [id, unitAmount],
  );
}

/** The item's `offer` deals still open (`offered`, `countered`), by the given buyer when one is named. */
export async function listOpenOffers(q: Queryable, itemId: string, buyerId?: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `select id from deals
     where item_id = $1 and process = 'offer' and state in ('offered', 'countered')
       ${buyerId ? "and buyer_id = $2" : ""}
     order by id`,
    buyerId ? [itemId, buyerId] : [itemId],
  );
  return rows.map((row) => row.id);
}

/** The deals holding units of the item (their payment is open), with whether the hold ran out. */
export async function listHolds(
  q: Queryable,
  itemId: string,
): Promise<{ dealId: string; buyerId: string; expired: boolean }[]> {
  const rows = await q.query<{ deal_id: string; buyer_id: string; expired: boolean }>(
    `select deal_id, buyer_id, expires_at <= now() as expired from payments
     where item_id = $1 and status in ('requires_payment', 'processing', 'failed') and deal_id is not null
     order by created_at`,
    [itemId],
  );
  return rows.map((row) => ({ dealId: row.deal_id, buyerId: row.buyer_id, expired: row.expired }));
}

/** Newest activity first; the cursor is the last deal's `updatedAt|id`. */
export async function listDeals(
  q: Queryable,
  filter: {
    userId: string | null;
    role?: "buyer" | "seller";
    state?: string;
    limit: number;
    cursor?: string;
  },
): Promise<DealRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.userId) {
    const user = param(filter.userId);
    if (filter.role === "buyer") where.push(`d.buyer_id = ${user}`);
    else if (filter.role === "seller") where.push(`d.seller_id = ${user}`);
    else where.push(`(d.buyer_id = ${user} or d.seller_id = ${user})`);
  }
  if (filter.state) where.push(`d.state = ${param(filter.state)}`);
  if (filter.cursor) {
    const [at, id] = filter.cursor.split("|");
    where.push(`(d.updated_at, d.id) < (${param(at)}::timestamptz, ${param(id)}::uuid)`);
  }
  const rows = await q.query<DealRow>(
    `${SELECT_DEALS} ${where.length ? `where ${where.join(" and ")}` : ""}
     order by d.updated_at desc, d.id desc limit ${param(filter.limit)}`,
    params,
  );
  return rows.map(toRecord);
}
