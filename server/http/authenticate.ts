import type { NextFunction, Request, Response } from "express";
import { AppError } from "../../shared/errors.js";
import type { User } from "../../shared/users.js";
import type { AuthService } from "../auth/service.js";
import type { Queryable } from "../db/db.js";
import { type ApiKeyRef, authenticateApiKey, isApiKey } from "../integrations/api-keys.js";

declare module "express-serve-static-core" {
  interface Request {
    /** Set when the request carried a valid bearer token. */
    user?: User;
    /** Set when the bearer was a valid API key (integrations: the feed and webhook endpoints only). */
    apiKey?: ApiKeyRef;
    /** The bearer looked like an API key but is unknown or revoked. */
    apiKeyRefused?: boolean;
    /** Why a bearer token was refused; routes that need a user answer with it. */
    authError?: AppError;
  }
}

/**
 * Reads `Authorization: Bearer …` if present: a session's token (a user) or an API key. Public routes work
 * without it; `requireUser` insists on a user; an API key is stopped after the integration routes.
 */
export function authenticate(auth: AuthService, db: Queryable) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get("authorization");
    if (!header) return next();
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header)?.[1];
    const keyed = token !== undefined && isApiKey(token);
    try {
      if (keyed) req.apiKey = await authenticateApiKey(db, token);
      else req.user = await auth.authenticate(token);
    } catch (error) {
      req.apiKeyRefused = keyed;
      if (!(error instanceof AppError)) return next(error);
      req.authError = error;
    }
    next();
  };
}

export function requireUser(req: Request): User {
  if (req.user) return req.user;
  throw req.authError ?? new AppError("unauthorized", "Sign in first");
}
