import { describe, expect, it } from "vitest";
import { feeOf, netOf } from "./fee.js";

describe("the marketplace fee", () => {
  it("is basis points of the amount, rounded down to the minor unit", () => {
    expect(feeOf(10_000, 0)).toBe(0);
    expect(feeOf(10_000, 250)).toBe(250);
    // 2.5% of $9.99 is 24.975 cents: the seller keeps the fraction.
    expect(feeOf(999, 250)).toBe(24);
    expect(netOf(999, 250)).toBe(975);
    expect(feeOf(1, 9_999)).toBe(0);
    expect(feeOf(12_345, 10_000)).toBe(12_345);
    expect(netOf(12_345, 10_000)).toBe(0);
  });
});
