/** "25", "25.5", "$1,250.00" → cents; null when it is not an amount of money. */
export function parseDollars(text: string): number | null {
  const clean = text.replace(/[$,\s]/g, "");
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(clean)) return null;
  const [whole = "0", fraction = ""] = clean.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

/** 2500 → "25.00", for a price field. */
export const centsToDollars = (cents: number) => (cents / 100).toFixed(2);

/**
 * What a person types as an amount → minor units, reading a decimal comma as well as a point: "70",
 * "70.5", "70,50", "1.250,00", "1,250.00", "€ 70" all work; null when it is not an amount.
 */
export function parseMoneyInput(text: string): number | null {
  const clean = text.replace(/[^\d.,]/g, "");
  if (!clean || /[^\d.,]/.test(text.replace(/[\s$€£]|usd|eur|gbp/gi, ""))) return null;
  const lastSeparator = Math.max(clean.lastIndexOf("."), clean.lastIndexOf(","));
  // The last separator is the decimal one when one or two digits follow it; otherwise all group thousands.
  const decimals = lastSeparator >= 0 && clean.length - lastSeparator - 1 <= 2 ? lastSeparator : -1;
  const whole = (decimals >= 0 ? clean.slice(0, decimals) : clean).replace(/[.,]/g, "");
  const fraction = decimals >= 0 ? clean.slice(decimals + 1) : "";
  if (!/^\d{1,9}$/.test(whole || "0") || !/^\d{0,2}$/.test(fraction)) return null;
  return Number(whole || "0") * 100 + Number(fraction.padEnd(2, "0"));
}
