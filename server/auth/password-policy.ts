import { dictionary } from "@zxcvbn-ts/language-common";
import { AppError } from "../../shared/errors.js";

/**
 * The 49,000 most common passwords from breach corpora, as zxcvbn-ts keeps them
 * (`@zxcvbn-ts/language-common`); compared in lower case.
 */
const COMMON = new Set(dictionary["passwords-common"].map((word) => word.toLowerCase()));

/** Fewer different characters than this is a pattern, not a password ("aaaaaaaa", "12121212"). */
const MIN_DISTINCT = 4;

/** Why `password` is too weak for `username`, or null. Length limits are the schema's (`ZPassword`). */
export function weakPasswordReason(password: string, username: string): string | null {
  const lower = password.toLowerCase();
  if (password.trim().length === 0) return "Use more than spaces";
  if (lower === username.toLowerCase()) {
    return "Do not use your username in your password";
  }
  if (new Set(lower).size < MIN_DISTINCT) return "Use more different characters";
  if (COMMON.has(lower) || COMMON.has(lower.trim())) return "This password is too common; choose another";
  return null;
}

/** Throws `bad_request` naming the password field when it is too weak. */
export function assertStrongPassword(password: string, username: string): void {
  const reason = weakPasswordReason(password, username);
  if (reason) throw new AppError("bad_request", reason, [{ path: "password", message: reason }]);
}
