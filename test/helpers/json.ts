/**
 * Matches the number `n` as a value in a JSON text (`"amount":7000`, `[7000]`), not merely its digits:
 * "7000" also turns up inside random UUIDs, which made a "never shows the amount" test fail once.
 */
export const jsonNumber = (n: number): RegExp => new RegExp(`[:,[]${n}[,}\\]]`);
