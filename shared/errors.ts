import { z } from "zod";

/** Every error code the API speaks, with its HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  username_taken: 409,
  item_reserved: 409,
  item_sold: 409,
  item_removed: 409,
  payment_not_open: 409,
  /** A checkout's `expectedPrice` is not the item's price any more (the seller changed it). */
  price_changed: 409,
  /** The seller is suspended: their items cannot be bought meanwhile. */
  seller_suspended: 409,
  /** The deal's state does not allow that transition. */
  invalid_transition: 409,
  /** No unit of the item is free. */
  not_available: 409,
  /** An offer below the item's `offers.minAmount`. */
  offer_too_low: 409,
  /** The buyer has made their 3 offers in this deal. */
  offer_limit: 409,
  /** A bid's maximum is below the next valid amount. */
  bid_too_low: 409,
  /** The auction has not started or has ended. */
  auction_not_live: 409,
  /** Price and sale are fixed once an auction has a bid. */
  auction_has_bids: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  payment_provider_error: 502,
  /** The database or another service the request needs is not answering; retry shortly. */
  unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One field that failed validation: its path (`price.amount`) and why. */
export const ZFieldError = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof ZFieldError>;

export const ZApiError = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiError = z.infer<typeof ZApiError>;

/** The one error type of the application; HTTP and socket acks both present it. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toJSON(): ApiError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * zod's own messages read like a schema ("Too small: expected string to have >=1 characters"); people see
 * these, so every issue without a message of its own gets a plain sentence. Set once, here, for the server
 * and the web app alike (both import this module); a schema's own message still wins.
 */
z.config({ customError: plainMessage });

function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const count = (n: unknown) => Number(n).toLocaleString("en-US");
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "This is required.";
      return issue.expected === "int" || issue.expected === "number"
        ? "Enter a whole number."
        : "This value is not valid.";
    case "too_small":
      if (issue.origin === "string") {
        return Number(issue.minimum) <= 1
          ? "This is required."
          : `Use at least ${count(issue.minimum)} characters.`;
      }
      if (issue.origin === "array") return `Choose at least ${count(issue.minimum)}.`;
      return `Enter ${count(issue.minimum)} or more.`;
    case "too_big":
      if (issue.origin === "string") return `Use at most ${count(issue.maximum)} characters.`;
      if (issue.origin === "array") return `Choose at most ${count(issue.maximum)}.`;
      return `Enter ${count(issue.maximum)} or less.`;
    case "invalid_format":
      return issue.format === "uuid" ? "That id is not valid." : `This is not a valid ${issue.format}.`;
    case "invalid_value":
      return `Choose one of: ${issue.values.map(String).join(", ")}.`;
    case "unrecognized_keys":
      return `Remove ${issue.keys.join(", ")}: ${issue.keys.length > 1 ? "they are" : "it is"} not expected here.`;
    default:
      return undefined;
  }
}

/** Turns zod issues into the `details` of a `bad_request`. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
}

/** Parses `input` with `schema` or throws `bad_request` listing every bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what = "request"): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new AppError("bad_request", `Invalid ${what}`, fieldErrors(result.error));
  }
  return result.data;
}
