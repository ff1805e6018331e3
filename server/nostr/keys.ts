import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import type { Queryable } from "../db/db.js";

/** What a sealed secret starts with: the format's version, so another scheme can come later. */
const BOX_VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals and opens sellers' Nostr secret keys with AES-256-GCM. The key is derived from the server's
 * secret (`JWT_SECRET`, or the one kept in `DATA_DIR`) with HKDF-SHA256 under a purpose of its own, so it
 * is never the signing secret itself; the seller's id is the associated data, so a sealed key copied to
 * another seller's row does not open.
 */
export function createKeyBox(serverSecret: string) {
  const key = Buffer.from(hkdfSync("sha256", serverSecret, "parley", "parley nostr seller keys v1", 32));

  return {
    seal(secretKey: Uint8Array, userId: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(userId));
      const sealed = Buffer.concat([cipher.update(secretKey), cipher.final()]);
      return `${BOX_VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url")}`;
    },

    /** Throws when the box was sealed under another server secret or for another seller. */
    open(box: string, userId: string): Uint8Array {
      const [version, payload = ""] = box.split(":");
      if (version !== BOX_VERSION) throw new Error(`unknown Nostr key box version "${version}"`);
      const bytes = Buffer.from(payload, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(userId));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return new Uint8Array(
        Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]),
      );
    },
  };
}

export type KeyBox = ReturnType<typeof createKeyBox>;

export type SellerKey = { pubkey: string; secretKey: Uint8Array };

/**
 * The seller's signing key, made on first use. Two transactions making it at once both insert; the
 * second waits on the first's row and keeps it (`on conflict do nothing`), so a seller has one key.
 */
export async function sellerKey(tx: Queryable, box: KeyBox, userId: string): Promise<SellerKey> {
  const [found] = await tx.query<{ pubkey: string; secret_box: string }>(
    "select pubkey, secret_box from nostr_keys where user_id = $1",
    [userId],
  );
  if (found) return { pubkey: found.pubkey, secretKey: box.open(found.secret_box, userId) };
  const secretKey = generateSecretKey();
  const pubkey = getPublicKey(secretKey);
  const [made] = await tx.query<{ pubkey: string }>(
    `insert into nostr_keys (user_id, pubkey, secret_box) values ($1, $2, $3)
     on conflict (user_id) do nothing returning pubkey`,
    [userId, pubkey, box.seal(secretKey, userId)],
  );
  return made ? { pubkey, secretKey } : sellerKey(tx, box, userId);
}
