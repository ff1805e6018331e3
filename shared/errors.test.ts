import { describe, expect, it } from "vitest";
import { fieldErrors } from "./errors.js";
import { ZCreateItemRequest } from "./items.js";
import { ZRegisterRequest } from "./users.js";

const messages = (schema: { safeParse(input: unknown): { error?: unknown } }, input: unknown) => {
  const result = schema.safeParse(input) as { error?: Parameters<typeof fieldErrors>[0] };
  return Object.fromEntries(result.error ? fieldErrors(result.error).map((e) => [e.path, e.message]) : []);
};

describe("validation messages people read", () => {
  it("are plain sentences, never zod's schema text, one per field, all at once", () => {
    expect(messages(ZRegisterRequest, { username: "a", password: "short", role: "admin", extra: 1 })).toEqual(
      {
        username: "Use at least 3 characters.",
        password: "Use at least 8 characters.",
        role: "Choose one of: seller, buyer.",
        "(root)": "Remove extra: it is not expected here.",
      },
    );
    expect(
      messages(ZCreateItemRequest, {
        title: " ",
        description: "",
        price: { amount: 200_000_000, currency: "usd" },
        imageUrl: "javascript:alert(1)",
      }),
    ).toEqual({
      title: "Give the item a title",
      "price.amount": "Enter at most 1,000,000.00.",
      imageUrl: "Paste a link that starts with http:// or https://, or upload a photo",
    });
    expect(messages(ZCreateItemRequest, {})).toMatchObject({
      title: "Give the item a title",
      price: "This is required.",
    });
  });
});
