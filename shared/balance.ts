import { z } from "zod";
import { ZQueryInt } from "./items.js";
import { CURRENCIES, LIMITS } from "./limits.js";

/** An amount that may be zero or negative (a ledger movement, a balance): integer minor units. */
export const ZSignedMoney = z.object({ amount: z.int(), currency: z.enum(CURRENCIES) });
export type SignedMoney = z.infer<typeof ZSignedMoney>;

/**
 * One movement in a seller's ledger: `amount` (signed) enters or leaves `bucket`.
 * - `sale`: the deal was paid; its total less the fee is pending.
 * - `release`: the deal completed (or kept part of its money after a partial refund); that part moves
 *   from pending to available (two entries, one per bucket).
 * - `refund`: money given back to the buyer leaves pending (and `fee` returns the fee on it, negative).
 */
export const ZLedgerEntry = z.object({
  id: z.uuid(),
  dealId: z.uuid(),
  item: z.object({ id: z.uuid(), title: z.string() }),
  kind: z.enum(["sale", "release", "refund"]),
  bucket: z.enum(["pending", "available"]),
  amount: ZSignedMoney,
  /** The marketplace's fee this entry took (a sale) or gave back (a refund, negative); 0 otherwise. */
  fee: ZSignedMoney,
  createdAt: z.string(),
});
export type LedgerEntry = z.infer<typeof ZLedgerEntry>;

/** `GET /api/me/balance`: per currency, what is pending (orders still running) and available. */
export const ZBalanceResponse = z.object({
  balance: z.object({ pending: z.array(ZSignedMoney), available: z.array(ZSignedMoney) }),
  /** Newest first. */
  entries: z.array(ZLedgerEntry),
  nextCursor: z.string().nullable(),
});
export type BalanceResponse = z.infer<typeof ZBalanceResponse>;

export const ZBalanceQuery = z.object({
  limit: ZQueryInt(1, LIMITS.ledgerPageMax).default(LIMITS.ledgerPageDefault),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, "Not a cursor from this list")
    .optional(),
});
export type BalanceQuery = z.infer<typeof ZBalanceQuery>;
