import { createHmac, timingSafeEqual } from "node:crypto";
import { chmodSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import express from "express";
import type { Logger } from "pino";
import { z } from "zod";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import { LIMITS } from "../../shared/limits.js";
import { type User, ZPassword, ZRole, ZUsername } from "../../shared/users.js";
import type { AuthService } from "../auth/service.js";
import { toUser } from "../auth/store.js";
import type { ChatService } from "../chat/service.js";
import type { Db } from "../db/db.js";
import { errorHandler, notFound } from "../http/errors.js";
import {
  type ApiKeyListing,
  type ApiKeyRef,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  ZApiKeyName,
} from "../integrations/api-keys.js";
import type { ItemService } from "../items/service.js";
import { seedDemo } from "../seed/demo.js";

/**
 * The operator's door into a running server on the embedded database: `npm run seed` and
 * `npm run user:create` cannot open PGlite while the server holds it, so they ask the server, over HTTP on
 * the unix socket `DATA_DIR/parley.sock` (mode 0600, in the 0700 data directory), with a key derived from
 * the server's signing secret. It is never reachable from the network.
 */
export const ADMIN_SOCKET = "parley.sock";

export const ZAdminCreateUser = z.strictObject({
  username: ZUsername,
  password: ZPassword,
  role: ZRole,
  displayName: z.string().trim().min(1).max(LIMITS.displayNameMax).optional(),
});
export type AdminCreateUser = z.infer<typeof ZAdminCreateUser>;

export const ZAdminCreateApiKey = z.strictObject({ name: ZApiKeyName });
export const ZAdminRevokeApiKey = z.strictObject({
  key: z
    .string({ error: "Name the key: its id or prefix" })
    .trim()
    .min(1, "Name the key: its id or prefix")
    .max(200),
});

export type AdminTasks = {
  createUser(input: AdminCreateUser): Promise<User>;
  /** Fills the demo marketplace; answers a one-line summary. */
  seed(): Promise<string>;
  /** A new API key, in full (shown once). */
  createApiKey(input: z.infer<typeof ZAdminCreateApiKey>): Promise<ApiKeyRef & { key: string }>;
  /** Revokes a key by its id, prefix or whole value. */
  revokeApiKey(input: z.infer<typeof ZAdminRevokeApiKey>): Promise<ApiKeyRef>;
  /** Every key, revoked ones too; never a key itself. */
  listApiKeys(): Promise<ApiKeyListing[]>;
};

/** The tasks done by the services of the process that holds the database (the server, or a script alone). */
export function localTasks(services: {
  db: Db;
  auth: AuthService;
  items: ItemService;
  chat: ChatService;
}): AdminTasks {
  return {
    createUser: async (input) => toUser(await services.auth.createUser(input)),
    seed: () => seedDemo(services),
    createApiKey: (input) => createApiKey(services.db, input.name),
    revokeApiKey: (input) => services.db.transaction((tx) => revokeApiKey(tx, input.key)),
    listApiKeys: () => listApiKeys(services.db),
  };
}

/** The bearer key both ends derive from the signing secret (`JWT_SECRET` or `DATA_DIR/jwt-secret`). */
export function adminKey(secret: string): string {
  return createHmac("sha256", secret).update("parley admin socket").digest("hex");
}

export function adminSocketPath(dataDir: string): string {
  return path.join(dataDir, ADMIN_SOCKET);
}

/** Listens on `DATA_DIR/parley.sock`; the caller holds the data directory's lock, so a socket file left there is stale. */
export async function startAdminSocket(deps: {
  dataDir: string;
  secret: string;
  tasks: AdminTasks;
  logger: Logger;
}): Promise<{ close(): Promise<void> }> {
  const expected = Buffer.from(`Bearer ${adminKey(deps.secret)}`);
  const app = express();
  app.disable("x-powered-by");
  app.use((req, _res, next) => {
    const given = Buffer.from(req.get("authorization") ?? "");
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    next(ok ? undefined : new AppError("unauthorized", "Wrong admin key"));
  });
  app.use(express.json({ limit: LIMITS.bodyBytes }));
  app.post("/users", async (req, res) => {
    const input = parseOrThrow(ZAdminCreateUser, req.body, "user");
    res.status(201).json({ user: await deps.tasks.createUser(input) });
  });
  app.post("/seed", async (_req, res) => {
    res.json({ summary: await deps.tasks.seed() });
  });
  app.post("/api-keys", async (req, res) => {
    const input = parseOrThrow(ZAdminCreateApiKey, req.body, "API key");
    res.status(201).json({ apiKey: await deps.tasks.createApiKey(input) });
  });
  app.post("/api-keys/revoke", async (req, res) => {
    const input = parseOrThrow(ZAdminRevokeApiKey, req.body, "API key");
    res.json({ apiKey: await deps.tasks.revokeApiKey(input) });
  });
  app.post("/api-keys/list", async (_req, res) => {
    res.json({ apiKeys: await deps.tasks.listApiKeys() });
  });
  app.use(notFound);
  app.use(errorHandler(deps.logger));

  const file = adminSocketPath(deps.dataDir);
  rmSync(file, { force: true });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(file, () => resolve());
  });
  chmodSync(file, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(file, { force: true });
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
