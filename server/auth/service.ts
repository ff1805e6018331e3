import { randomUUID } from "node:crypto";
import { AppError } from "../../shared/errors.js";
import {
  type LoginRequest,
  type RegisterRequest,
  type Role,
  type SuspensionDetails,
  suspensionMessage,
  type User,
} from "../../shared/users.js";
import type { Bus } from "../bus.js";
import type { Db } from "../db/db.js";
import { isUniqueViolation } from "../db/db.js";
import { assertStrongPassword } from "./password-policy.js";
import { burnVerification, hashPassword, verifyPassword } from "./passwords.js";
import type { UserRecord } from "./store.js";
import { bumpTokenVersion, findUserById, findUserByUsername, insertUser, setRole, toUser } from "./store.js";
import type { TokenSigner } from "./tokens.js";

export type AuthService = ReturnType<typeof createAuthService>;

/** Refuses a suspended account with the moderators' reason and what to do (message and `details.suspension`). */
function suspendedError(code: "forbidden" | "unauthorized", record: UserRecord): AppError {
  const reason = record.suspendedReason ?? "No reason was given.";
  const details: SuspensionDetails = { suspension: { reason, since: record.suspendedAt } };
  return new AppError(code, suspensionMessage(reason), details);
}

export function createAuthService(deps: { db: Db; tokens: TokenSigner; bus: Bus }) {
  const { db, tokens, bus } = deps;

  const session = (record: UserRecord) => ({
    token: tokens.sign({ userId: record.id, role: record.role, tokenVersion: record.tokenVersion }),
    user: toUser(record),
  });

  /** Creates an account of any role; self-registration goes through `register`, which allows only seller and buyer. */
  async function createUser(input: { username: string; password: string; role: Role; displayName?: string }) {
    assertStrongPassword(input.password, input.username);
    const passwordHash = await hashPassword(input.password);
    try {
      return await insertUser(db, {
        id: randomUUID(),
        username: input.username,
        displayName: input.displayName ?? input.username,
        role: input.role,
        passwordHash,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError("username_taken", "That username is taken");
      throw error;
    }
  }

  return {
    createUser,

    async register(input: RegisterRequest) {
      return session(await createUser(input));
    },

    async login(input: LoginRequest) {
      const record = await findUserByUsername(db, input.username);
      if (!record) {
        await burnVerification(input.password);
        throw new AppError("unauthorized", "Wrong username or password");
      }
      if (!(await verifyPassword(record.passwordHash, input.password))) {
        throw new AppError("unauthorized", "Wrong username or password");
      }
      if (record.suspendedAt) throw suspendedError("forbidden", record);
      return session(record);
    },

    /** When a valid token expires (milliseconds since the epoch), or null for an invalid one. */
    expiresAt(token: string): number | null {
      const claims = tokens.verify(token);
      return claims ? claims.exp * 1000 : null;
    },

    /** The user a bearer token speaks for, or `unauthorized`: checks signature, expiry, revocation and suspension. */
    async authenticate(token: string | undefined): Promise<User> {
      const claims = token ? tokens.verify(token) : null;
      if (!claims) throw new AppError("unauthorized", "Sign in first");
      const record = await findUserById(db, claims.sub);
      // A suspended user's own token learns why (a forged one never gets here).
      if (record?.suspendedAt) throw suspendedError("unauthorized", record);
      if (!record || record.tokenVersion !== claims.tv) {
        throw new AppError("unauthorized", "This session has ended; sign in again");
      }
      return toUser(record);
    },

    /**
     * A buyer becomes a seller (v2 amendment 1): a buyer who also lists. Answers a fresh token carrying
     * the new role; asking again as a seller changes nothing. Moderators neither buy nor sell.
     */
    async becomeSeller(user: User) {
      if (user.role === "moderator") throw new AppError("forbidden", "Moderators cannot sell");
      const record = await setRole(db, user.id, "seller");
      if (!record) throw new AppError("unauthorized", "This session has ended; sign in again");
      return session(record);
    },

    /** Signs the user out everywhere: every token issued so far stops working, open sockets close. */
    async logout(user: User) {
      await bumpTokenVersion(db, user.id);
      bus.emit("user.sessions_revoked", { userId: user.id });
    },
  };
}
