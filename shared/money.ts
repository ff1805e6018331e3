import { z } from "zod";
import { CURRENCIES, LIMITS } from "./limits.js";

/** Money in integer minor units: `{ amount: 2500, currency: "usd" }` is $25.00. */
export const ZMoney = z.strictObject({
  amount: z
    .int("Give the amount in whole minor units (cents).")
    .min(1, "Enter an amount above zero.")
    .max(LIMITS.priceMax, `Enter at most ${(LIMITS.priceMax / 100).toLocaleString("en-US")}.00.`),
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

/** How many digits `currency`'s minor unit has (2 for cents). */
export function currencyDecimals(currency: string): number {
  return DECIMALS[currency] ?? 2;
}

/** "$" for usd, "€" for eur, "£" for gbp: the symbol shown beside a money input. */
export function currencySymbol(currency: string, locale?: string): string {
  const parts = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: currency.toUpperCase(),
  }).formatToParts(0);
  return parts.find((part) => part.type === "currency")?.value ?? currency.toUpperCase();
}

/** 2500 → "25.00": minor units as a money input shows them, without symbol or grouping. */
export function formatMoneyInput(amount: number, currency: string): string {
  const digits = currencyDecimals(currency);
  return (amount / 10 ** digits).toFixed(digits);
}

export type MoneyInput = { amount: number; error?: undefined } | { amount?: undefined; error: string };

const MARKERS: Record<string, string[]> = { usd: ["$", "us$", "usd"], eur: ["€", "eur"], gbp: ["£", "gbp"] };
/** Between thousands: a space, a no-break space, a narrow no-break space or an apostrophe. */
const SPACE = /[ \u00a0\u202f']/;

/**
 * What a person typed into a money field → minor units of `currency`, or a sentence saying what is wrong.
 * The one parser behind every money input (prices, price filters, offers, bids). It never guesses by
 * dropping characters: "12,50" and "12.50" are both 12.50; "1,250.00", "1.250,00" and "1 250,50" are
 * read by their last separator; "1,250" and "1.250" could be either and are refused with the question;
 * letters are refused. The currency's own symbol or code may stand before or after the number.
 */
export function parseMoneyInput(text: string, currency: string): MoneyInput {
  const digits = currencyDecimals(currency);
  const example = `Write it like ${formatMoneyInput(125_050, currency)}.`;
  const unreadable = {
    error: `Use only digits, with a point or a comma before the ${currency === "gbp" ? "pence" : "cents"}. ${example}`,
  };
  let number = text.trim();
  if (number === "") return { error: "Enter an amount." };
  const marker = /^([^\d\s.,-]+)\s*(.*)$/.exec(number) ?? /^(.*?)\s*([^\d\s.,]+)$/.exec(number);
  if (marker) {
    const [, a = "", b = ""] = marker;
    const [found, rest] = /\d/.test(a) ? [b, a] : [a, b];
    if (!MARKERS[currency]?.includes(found.toLowerCase())) return unreadable;
    number = rest.trim();
  }
  if (number.startsWith("-")) return { error: "Enter an amount above zero." };
  if (!/^\d[\d.,  \u202f']*$/.test(number)) return unreadable;

  // The decimal separator: the last of two kinds, or the only one if it appears once and is not ambiguous.
  const spaced = SPACE.test(number);
  const commas = number.split(",").length - 1;
  const points = number.split(".").length - 1;
  let decimal: "," | "." | null = null;
  if (commas > 0 && points > 0) decimal = number.lastIndexOf(",") > number.lastIndexOf(".") ? "," : ".";
  else if (commas === 1 || points === 1) {
    decimal = commas === 1 ? "," : ".";
    const after = number.slice(number.indexOf(decimal) + 1);
    if (after.length === 3 && !spaced) {
      const before = number.slice(0, number.indexOf(decimal));
      return {
        error: `Is that ${before}${after} or ${before}.${after}? Write ${before}${after}.00 or ${before}.${after.slice(0, digits)}.`,
      };
    }
  }
  const cut = decimal ? number.lastIndexOf(decimal) : number.length;
  const whole = number.slice(0, cut);
  const fraction = number.slice(cut + 1);
  const groups = whole.split(/[.,  \u202f']/);
  if (groups.length > 1 && !groups.every((group, i) => (i === 0 ? /^\d{1,3}$/ : /^\d{3}$/).test(group))) {
    return { error: `Group the thousands by three, or not at all. ${example}` };
  }
  if (!/^\d*$/.test(fraction)) return unreadable;
  if (fraction.length > digits) {
    return { error: `Use at most ${digits} digits after the ${decimal === "," ? "comma" : "point"}.` };
  }
  const amount = Number(groups.join("")) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  if (amount > LIMITS.priceMax) {
    const max = formatMoney({ amount: LIMITS.priceMax, currency: currency as Money["currency"] });
    return { error: `Enter at most ${max}.` };
  }
  return { amount };
}
