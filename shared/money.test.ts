import { describe, expect, it } from "vitest";
import { currencySymbol, formatMoneyInput, parseMoneyInput } from "./money.js";

const amount = (text: string, currency = "usd") => parseMoneyInput(text, currency).amount;
const error = (text: string, currency = "usd") => parseMoneyInput(text, currency).error;

describe("parseMoneyInput", () => {
  it("reads a decimal point or a decimal comma", () => {
    expect(amount("12.50")).toBe(1250);
    expect(amount("12,50")).toBe(1250);
    expect(amount("12,5")).toBe(1250);
    expect(amount("12")).toBe(1200);
    expect(amount("0.05")).toBe(5);
    expect(amount(" 25 ")).toBe(2500);
  });

  it("reads thousands grouped by three, with the last separator as the decimal one", () => {
    expect(amount("1,250.00")).toBe(125_000);
    expect(amount("1.250,00")).toBe(125_000);
    expect(amount("1 250,50")).toBe(125_050);
    expect(amount("1\u202f250,50")).toBe(125_050);
    expect(amount("1,000,000")).toBe(100_000_000);
    expect(amount("100.000,5", "eur")).toBe(10_000_050);
  });

  it("allows the currency's own symbol or code around the number", () => {
    expect(amount("$12,50")).toBe(1250);
    expect(amount("$ 1,250.00")).toBe(125_000);
    expect(amount("12,50 €", "eur")).toBe(1250);
    expect(amount("£3", "gbp")).toBe(300);
    expect(amount("12.50 USD")).toBe(1250);
  });

  it("asks instead of guessing when a separator could mean thousands or decimals", () => {
    expect(error("1,250")).toBe("Is that 1250 or 1.250? Write 1250.00 or 1.25.");
    expect(error("1.250")).toMatch(/^Is that 1250 or 1\.250\?/);
  });

  it("refuses what is not an amount, never dropping characters", () => {
    expect(error("")).toBe("Enter an amount.");
    expect(error("12abc")).toMatch(/Use only digits/);
    expect(error("1O")).toMatch(/Use only digits/);
    expect(error("€12", "usd")).toMatch(/Use only digits/);
    expect(error("-5")).toBe("Enter an amount above zero.");
    expect(error("12.5055")).toBe("Use at most 2 digits after the point.");
    expect(error("12,5055")).toBe("Use at most 2 digits after the comma.");
    expect(error("12,505,5")).toMatch(/Group the thousands by three/);
    expect(error("12,34.5")).toMatch(/Group the thousands by three/);
    expect(error("1 25,00")).toMatch(/Group the thousands by three/);
    expect(error("1,000,001")).toBe("Enter at most $1,000,000.00.");
  });

  it("every error is a plain sentence", () => {
    for (const text of ["", "x", "1,250", "12.5055", "-1", "99999999"]) {
      expect(error(text)).toMatch(/^[A-Z].*[.?]$/);
    }
  });
});

describe("money inputs", () => {
  it("shows the currency's symbol and amounts without grouping", () => {
    expect(currencySymbol("usd", "en-US")).toBe("$");
    expect(currencySymbol("eur", "en-US")).toBe("€");
    expect(currencySymbol("gbp", "en-US")).toBe("£");
    expect(formatMoneyInput(2500, "usd")).toBe("25.00");
    expect(amount(formatMoneyInput(123_456, "usd"))).toBe(123_456);
  });
});
