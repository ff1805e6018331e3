import type { NextFunction, Request, Response } from "express";
import { AppError } from "../../shared/errors.js";
import type { User } from "../../shared/users.js";
import type { AuthService } from "../auth/service.js";

declare module "express-serve-static-core" {
  interface Request {
    /** Set when the request carried a valid bearer token. */
    user?: User;
    /** Why a bearer token was refused; routes that need a user answer with it. */
    authError?: AppError;
  }
}

/** Reads `Authorization: Bearer …` if present. Public routes work without it; `requireUser` insists. */
export function authenticate(auth: AuthService) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get("authorization");
    if (!header) return next();
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    try {
      req.user = await auth.authenticate(match?.[1]);
    } catch (error) {
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
