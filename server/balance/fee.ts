/**
 * The marketplace's fee on `amount` (minor units) at `bps` basis points: `amount × bps / 10 000`,
 * rounded down to the minor unit, so the fee never exceeds its rate (250 bps of 999 is 24, not 24.975).
 */
export function feeOf(amount: number, bps: number): number {
  return Math.floor((amount * bps) / 10_000);
}

/** What the seller gets of `amount`: the amount less its fee. */
export function netOf(amount: number, bps: number): number {
  return amount - feeOf(amount, bps);
}
