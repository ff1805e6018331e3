import { z } from "zod";
import { CURRENCIES, LIMITS } from "./limits.js";

/** Money in integer minor units: `{ amount: 2500, currency: "usd" }` is $25.00. */
export const ZMoney = z.strictObject({
  amount: z.int().min(1).max(LIMITS.priceMax),
  currency: z.enum(CURRENCIES),
});
export type Money = z.infer<typeof ZMoney>;

const DECIMALS: Record<string, number> = { usd: 2, eur: 2, gbp: 2 };

/** `{ amount: 2500, currency: "usd" }` → "$25.00", in the reader's locale. */
export function formatMoney(money: Money, locale?: string): string {
  const digits = DECIMALS[money.currency] ?? 2;
  return new Intl.NumberFormat(locale, { style: "currency", currency: money.currency.toUpperCase() }).format(
    money.amount / 10 ** digits,
  );
}
