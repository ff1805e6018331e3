import jwt from "jsonwebtoken";
import { z } from "zod";
import { type EmailPreferenceKey, ZEmailPreferenceKey } from "../../shared/notifications.js";
import { hmacKey } from "../auth/tokens.js";

const ALGORITHM = "HS256";
const ISSUER = "parley";
/** Each purpose its own audience: neither is an API token, nor the other. */
const VERIFY = "parley-email-verify";
const UNSUBSCRIBE = "parley-email-unsubscribe";
/** How long a verification link works. */
export const VERIFY_TTL_SECONDS = 2 * 24 * 3600;

const ZVerifyClaims = z.object({ sub: z.uuid(), email: z.string() });
const ZUnsubscribeClaims = z.object({ sub: z.uuid(), key: ZEmailPreferenceKey });

/** Signed links in emails: an address's verification (expiring) and a type's unsubscribe. */
export function createEmailTokens(secret: string) {
  const hmac = hmacKey(secret);
  function read<T>(token: string, audience: string, schema: z.ZodType<T>): T | null {
    try {
      const payload = jwt.verify(token, hmac, { algorithms: [ALGORITHM], issuer: ISSUER, audience });
      const parsed = schema.safeParse(payload);
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
  return {
    /** Proves the holder received mail at `email` for this user, for `VERIFY_TTL_SECONDS`. */
    verification: (userId: string, email: string) =>
      jwt.sign({ email }, hmac, {
        algorithm: ALGORITHM,
        subject: userId,
        issuer: ISSUER,
        audience: VERIFY,
        expiresIn: VERIFY_TTL_SECONDS,
      }),
    readVerification: (token: string) => read(token, VERIFY, ZVerifyClaims),
    /** Turns off one type of email for one user; it does not expire (old emails keep working). */
    unsubscribe: (userId: string, key: EmailPreferenceKey) =>
      jwt.sign({ key }, hmac, {
        algorithm: ALGORITHM,
        subject: userId,
        issuer: ISSUER,
        audience: UNSUBSCRIBE,
      }),
    readUnsubscribe: (token: string) => read(token, UNSUBSCRIBE, ZUnsubscribeClaims),
  };
}

export type EmailTokens = ReturnType<typeof createEmailTokens>;
