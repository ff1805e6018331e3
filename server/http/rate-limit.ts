import type { NextFunction, Request, Response } from "express";
import { Router } from "express";
import { AppError } from "../../shared/errors.js";
import type { RateLimiter, RateLimitRule } from "../rate-limit/rate-limiter.js";
import type { RateLimitRules } from "../rate-limit/rules.js";

/** The client's address: the socket's, or the proxy's forwarded one when `TRUST_PROXY` says so. */
export const addressOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? "unknown";

/** Counts one hit per request against `rule` for the key `keyOf` returns (null: not counted). */
export function limit(limiter: RateLimiter, rule: RateLimitRule, keyOf: (req: Request) => string | null) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = keyOf(req);
    if (key === null) return next();
    try {
      await limiter.consume(rule, key);
    } catch (error) {
      if (error instanceof AppError && error.code === "rate_limited") {
        const details = error.details as { retryAfterSeconds?: number } | undefined;
        if (details?.retryAfterSeconds) res.set("Retry-After", String(details.retryAfterSeconds));
      }
      return next(error);
    }
    next();
  };
}

/** The account a sign-in names, before validation (the route validates it properly). */
function accountOf(req: Request): string | null {
  const username: unknown = (req.body as { username?: unknown } | undefined)?.username;
  return typeof username === "string" && username.length <= 64 ? username.toLowerCase() : null;
}

/**
 * Failed sign-ins are counted per account *and* address: someone guessing from one address locks the
 * account for that address only, and its owner, from anywhere else, still signs in. Guessing from many
 * addresses is bounded by the per-address limit of each, and by the password rules.
 */
function accountAtAddressOf(req: Request): string | null {
  const account = accountOf(req);
  return account === null ? null : `${account}@${addressOf(req)}`;
}

/**
 * Sign-in and registration limits, in front of the auth routes. A successful sign-in clears its account's
 * count at that address, so the limit counts failures in effect while still bounding attempts in parallel.
 */
export function authRateLimits(limiter: RateLimiter, rules: RateLimitRules): Router {
  const router = Router();
  router.post(
    "/auth/login",
    limit(limiter, rules.signInPerAddress, addressOf),
    limit(limiter, rules.signInPerAccount, accountAtAddressOf),
    (req, res, next) => {
      const key = accountAtAddressOf(req);
      res.on("finish", () => {
        if (key && res.statusCode === 200) void limiter.reset(rules.signInPerAccount, key);
      });
      next();
    },
  );
  router.post("/auth/register", limit(limiter, rules.registerPerAddress, addressOf));
  return router;
}

/** The signed-in user's id (anonymous requests are not counted here: they are refused with 401 later). */
const userOf = (req: Request) => req.user?.id ?? null;

/** Listing and editing items and uploading images, per seller: in front of those routes, before any body is read. */
export function writeRateLimits(limiter: RateLimiter, rules: RateLimitRules): Router {
  const router = Router();
  router.post("/items", limit(limiter, rules.itemWritesPerUser, userOf));
  router.patch("/items/:id", limit(limiter, rules.itemWritesPerUser, userOf));
  router.post("/uploads", limit(limiter, rules.uploadsPerUser, userOf));
  return router;
}
