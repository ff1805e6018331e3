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

/** Words that would make a self-chosen name look like the marketplace speaking. */
const RESERVED_WORDS = new Set([
  "admin",
  "administrator",
  "mod",
  "moderator",
  "moderators",
  "moderation",
  "official",
  "parley",
  "staff",
  "support",
  "system",
  "team",
]);

/**
 * Why a self-chosen name could impersonate the marketplace or another person, or null: control and
 * invisible format characters (bidi overrides, zero-width joiners) that reorder or hide text, and the
 * reserved words ("Moderator (staff)", "parley_support"), compared after NFKC folding so full-width and
 * styled letters count too.
 */
export function impersonationProblem(name: string): string | null {
  if (/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\u2028\u2029]/u.test(name)) return "Use only visible characters";
  const words = name
    .normalize("NFKC")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u);
  if (words.some((word) => RESERVED_WORDS.has(word)))
    return "This name is reserved for the marketplace's staff";
  return null;
}

const notImpersonating = (name: string, context: z.RefinementCtx) => {
  const problem = impersonationProblem(name);
  if (problem) context.addIssue({ code: "custom", message: problem });
};

export const ZUser = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  role: ZRole,
  createdAt: z.string(),
});
export type User = z.infer<typeof ZUser>;

export const ZRegisterRequest = z.strictObject({
  username: ZUsername.superRefine(notImpersonating),
  password: ZPassword,
  /** Only sellers and buyers sign themselves up; moderators are created by an operator. */
  role: z.enum(["seller", "buyer"]),
  displayName: z.string().trim().min(1).max(LIMITS.displayNameMax).superRefine(notImpersonating).optional(),
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

/** `details` of the refusal a suspended account gets (403 at sign-in, 401 and the socket's `connect_error` data after). */
export const ZSuspensionDetails = z.object({
  suspension: z.object({ reason: z.string(), since: z.string().nullable() }),
});
export type SuspensionDetails = z.infer<typeof ZSuspensionDetails>;

/** What a suspended person reads: the moderators' reason and what to do. */
export function suspensionMessage(reason: string): string {
  return (
    `This account is suspended by the moderators. Their reason: “${reason}”. ` +
    "If you think this is a mistake, write to the marketplace's operator: a moderator can reinstate the account."
  );
}
