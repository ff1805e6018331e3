/** "25", "25.5", "$1,250.00" → cents; null when it is not an amount of money. */
export function parseDollars(text: string): number | null {
  const clean = text.replace(/[$,\s]/g, "");
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(clean)) return null;
  const [whole = "0", fraction = ""] = clean.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

/** 2500 → "25.00", for a price field. */
export const centsToDollars = (cents: number) => (cents / 100).toFixed(2);
