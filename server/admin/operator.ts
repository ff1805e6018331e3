import { request } from "node:http";
import type { User } from "../../shared/users.js";
import { createAuthService } from "../auth/service.js";
import { createTokenSigner } from "../auth/tokens.js";
import { Bus } from "../bus.js";
import { createChatService } from "../chat/service.js";
import type { Config } from "../config.js";
import { DataDirBusyError } from "../db/data-dir-lock.js";
import { openDatabase } from "../db/open.js";
import type { ApiKeyListing, ApiKeyRef } from "../integrations/api-keys.js";
import { createSearchGate } from "../items/search-gate.js";
import { createItemService } from "../items/service.js";
import { Timeline } from "../timeline/timeline.js";
import { type AdminTasks, adminKey, adminSocketPath, localTasks } from "./admin-socket.js";

/** A task an operator script refused, with the sentence to print. */
export class OperatorError extends Error {}

/**
 * The tasks of the operator scripts, done where the data is safe: with `DATABASE_URL`, directly on that
 * server; on the embedded database, directly if no process holds `DATA_DIR`, else by asking the running
 * Parley server over its admin socket. A process that holds the directory and does not answer (another
 * script) gets a plain refusal.
 */
export async function withOperatorTasks<T>(
  config: Config,
  run: (tasks: AdminTasks) => Promise<T>,
): Promise<T> {
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(config);
  } catch (error) {
    if (!(error instanceof DataDirBusyError)) throw error;
    return run(serverTasks(config, error));
  }
  try {
    const bus = new Bus();
    const timeline = new Timeline(db, bus);
    const auth = createAuthService({
      db,
      tokens: createTokenSigner(config.jwtSecret, config.jwtTtlSeconds),
      bus,
    });
    const items = createItemService({
      db,
      timeline,
      searchGate: createSearchGate({ concurrency: 1, deadlineMs: 10_000 }),
    });
    const chat = createChatService({ db, timeline });
    return await run(localTasks({ db, auth, items, chat }));
  } finally {
    await db.close();
  }
}

function serverTasks(config: Config, busy: DataDirBusyError): AdminTasks {
  const call = async (path: string, body: unknown) => {
    const answer = await post(config, path, body).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED" || error.code === "ENOENT") {
        throw new OperatorError(
          `Process ${busy.pid} is using the data directory ${config.dataDir} and is not a Parley server that ` +
            "answers operator requests (another script?). Wait for it to finish, or stop it, and run this again.",
        );
      }
      throw error;
    });
    if (answer.status >= 400) {
      const message = (
        answer.body as { error?: { message?: string; details?: { path: string; message: string }[] } }
      ).error;
      const details = (message?.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join("");
      throw new OperatorError(`${message?.message ?? `The server answered ${answer.status}`}${details}`);
    }
    return answer.body;
  };
  return {
    createUser: async (input) => ((await call("/users", input)) as { user: User }).user,
    seed: async () => ((await call("/seed", {})) as { summary: string }).summary,
    createApiKey: async (input) =>
      ((await call("/api-keys", input)) as { apiKey: ApiKeyRef & { key: string } }).apiKey,
    revokeApiKey: async (input) => ((await call("/api-keys/revoke", input)) as { apiKey: ApiKeyRef }).apiKey,
    listApiKeys: async () => ((await call("/api-keys/list", {})) as { apiKeys: ApiKeyListing[] }).apiKeys,
  };
}

function post(config: Config, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: adminSocketPath(config.dataDir),
        path,
        method: "POST",
        headers: {
          authorization: `Bearer ${adminKey(config.jwtSecret)}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
        timeout: 60_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            reject(new OperatorError(`The server answered ${res.statusCode} with no readable body`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new OperatorError("The server did not answer within a minute")));
    req.on("error", reject);
    req.end(payload);
  });
}
