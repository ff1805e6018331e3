import { z } from "zod";
import { LIMITS } from "./limits.js";

export const ROLES = ["seller", "buyer", "moderator"] as const;
export const ZRole = z.enum(ROLES);
export type Role = z.infer<typeof ZRole>;

export const ZUsername = z
  .string()
  .min(LIMITS.usernameMin)
  .max(LIMITS.usernameMax)
  .regex(/^[a-z0-9_-]+$/, "Use only a-z, 0-9, _ and -");

export const ZPassword = z.string().min(LIMITS.passwordMin).max(LIMITS.passwordMax);

export const ZUser = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  role: ZRole,
  createdAt: z.string(),
});
export type User = z.infer<typeof ZUser>;

export const ZRegisterRequest = z.strictObject({
  username: ZUsername,
  password: ZPassword,
  /** Only sellers and buyers sign themselves up; moderators are created by an operator. */
  role: z.enum(["seller", "buyer"]),
  displayName: z.string().trim().min(1).max(LIMITS.displayNameMax).optional(),
});
export type RegisterRequest = z.infer<typeof ZRegisterRequest>;

export const ZLoginRequest = z.strictObject({
  username: z.string().min(1).max(LIMITS.usernameMax),
  password: z.string().min(1).max(LIMITS.passwordMax),
});
export type LoginRequest = z.infer<typeof ZLoginRequest>;

export const ZAuthResponse = z.object({ token: z.string(), user: ZUser });
export type AuthResponse = z.infer<typeof ZAuthResponse>;

/** `POST /api/me/selling` → 200: the user, now a seller, and a fresh token carrying the new role. */
export const ZBecomeSellerResponse = ZAuthResponse;
export type BecomeSellerResponse = AuthResponse;
