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
  /** The deal's state does not allow that transition. */
  invalid_transition: 409,
  /** No unit of the item is free. */
  not_available: 409,
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
