import jwt from "jsonwebtoken";
import { z } from "zod";
import type { Role } from "../../shared/users.js";

const ALGORITHM = "HS256";
const ISSUER = "parley";
const AUDIENCE = "parley-api";

const ZClaims = z.object({
  sub: z.uuid(),
  role: z.enum(["seller", "buyer", "moderator"]),
  /** The user's token version when this token was issued; a bump revokes it. */
  tv: z.int().min(0),
  /** Expiry, in seconds since the epoch. */
  exp: z.int(),
});
export type TokenClaims = z.infer<typeof ZClaims>;

export type TokenSigner = {
  sign(claims: { userId: string; role: Role; tokenVersion: number }): string;
  /** The claims of a valid token, or null for anything else: expired, forged, `alg: none`, wrong audience. */
  verify(token: string): TokenClaims | null;
};

export function createTokenSigner(secret: string, ttlSeconds: number): TokenSigner {
  return {
    sign: ({ userId, role, tokenVersion }) =>
      jwt.sign({ role, tv: tokenVersion }, secret, {
        algorithm: ALGORITHM,
        subject: userId,
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: ttlSeconds,
      }),
    verify: (token) => {
      try {
        const payload = jwt.verify(token, secret, {
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          audience: AUDIENCE,
        });
        const claims = ZClaims.safeParse(payload);
        return claims.success ? claims.data : null;
      } catch {
        return null;
      }
    },
  };
}
