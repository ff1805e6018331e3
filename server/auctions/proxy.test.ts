import { describe, expect, it } from "vitest";
import { incrementFor, nextValidAmount } from "../../shared/auctions.js";
import { resolvePrice } from "./proxy.js";

describe("the increment table", () => {
  it("steps by the contract's table at each boundary", () => {
    const rows: [number, number][] = [
      [1, 5],
      [99, 5],
      [100, 25],
      [499, 25],
      [500, 50],
      [2_499, 50],
      [2_500, 100],
      [9_999, 100],
      [10_000, 250],
      [24_999, 250],
      [25_000, 500],
      [49_999, 500],
      [50_000, 1_000],
      [99_999, 1_000],
      [100_000, 2_500],
      [249_999, 2_500],
      [250_000, 5_000],
      [499_999, 5_000],
      [500_000, 10_000],
      [10_000_000, 10_000],
    ];
    for (const [price, step] of rows) expect([price, incrementFor(price)]).toEqual([price, step]);
  });

  it("asks a first bidder for the starting bid, later ones for one increment more", () => {
    expect(nextValidAmount(1_000, null)).toBe(1_000);
    expect(nextValidAmount(1_000, 1_000)).toBe(1_050);
    expect(nextValidAmount(1_000, 2_500)).toBe(2_600);
  });
});

describe("proxy bidding", () => {
  it("prices a lone bidder at the starting bid, whatever their maximum", () => {
    expect(resolvePrice(1_000, [{ bidderId: "a", max: 5_000, n: 1 }])).toEqual({
      leaderId: "a",
      price: 1_000,
    });
    expect(resolvePrice(1_000, [])).toBeNull();
  });

  it("prices the leader at the second maximum plus one increment, capped by their own maximum", () => {
    const a = { bidderId: "a", max: 5_000, n: 1 };
    expect(resolvePrice(1_000, [a, { bidderId: "b", max: 2_000, n: 2 }])).toEqual({
      leaderId: "a",
      price: 2_050,
    });
    // b outbids a: a's maximum plus an increment is above b's maximum, so b pays their maximum.
    expect(resolvePrice(1_000, [a, { bidderId: "b", max: 5_050, n: 2 }])).toEqual({
      leaderId: "b",
      price: 5_050,
    });
    expect(resolvePrice(1_000, [a, { bidderId: "b", max: 9_000, n: 2 }])).toEqual({
      leaderId: "b",
      price: 5_100,
    });
  });

  it("gives equal maxima to the earlier bid, at that maximum", () => {
    const standings = [
      { bidderId: "late", max: 3_000, n: 7 },
      { bidderId: "early", max: 3_000, n: 3 },
    ];
    expect(resolvePrice(1_000, standings)).toEqual({ leaderId: "early", price: 3_000 });
  });

  it("looks only at the two highest maxima among many", () => {
    const standings = [
      { bidderId: "a", max: 1_200, n: 1 },
      { bidderId: "b", max: 40_000, n: 2 },
      { bidderId: "c", max: 30_000, n: 3 },
      { bidderId: "d", max: 1_500, n: 4 },
    ];
    expect(resolvePrice(1_000, standings)).toEqual({ leaderId: "b", price: 30_500 });
  });
});
