import { existsSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import express from "express";
import type { Logger } from "pino";
import { LIMITS } from "../shared/limits.js";
import { authRoutes } from "./auth/routes.js";
import { createAuthService } from "./auth/service.js";
import { createTokenSigner } from "./auth/tokens.js";
import { Bus } from "./bus.js";
import { createRoomService } from "./chat/rooms.js";
import { roomRoutes } from "./chat/routes.js";
import { createChatService } from "./chat/service.js";
import type { Config } from "./config.js";
import type { Db } from "./db/db.js";
import { authenticate } from "./http/authenticate.js";
import { errorHandler, notFound } from "./http/errors.js";
import { itemRoutes } from "./items/routes.js";
import { createItemService } from "./items/service.js";
import { createRealtime } from "./realtime/socket-server.js";
import { Timeline } from "./timeline/timeline.js";
import { uploadFiles, uploadRoutes } from "./uploads/routes.js";
import { createUploadService } from "./uploads/service.js";

export type AppDeps = {
  config: Config;
  db: Db;
  logger: Logger;
  /** The built web app to serve at `/`, if there is one. */
  clientDir?: string;
};

export type App = Awaited<ReturnType<typeof createApp>>;

/** Builds the whole server from its dependencies; `main.ts` and the tests both use it. */
export function createApp(deps: AppDeps) {
  const { config, db, logger } = deps;
  const bus = new Bus();
  const timeline = new Timeline(db, bus);
  const tokens = createTokenSigner(config.jwtSecret, config.jwtTtlSeconds);
  const auth = createAuthService({ db, tokens, bus });
  const items = createItemService({ db, timeline });
  const chat = createChatService({ db, timeline });
  const rooms = createRoomService({ db });
  const uploads = createUploadService({ dataDir: config.dataDir });

  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");

  const api = express.Router();
  api.use(express.json({ limit: LIMITS.bodyBytes }));
  api.use(authenticate(auth));
  // Before any other body parser: an upload's body is the raw image.
  api.use(uploadRoutes(uploads));
  api.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  api.use(authRoutes(auth));
  api.use(itemRoutes(items));
  api.use(roomRoutes(rooms));
  api.use(notFound);
  app.use("/api", api);
  app.use(uploadFiles(uploads));

  const clientDir = deps.clientDir;
  if (clientDir && existsSync(path.join(clientDir, "index.html"))) {
    app.use(express.static(clientDir, { index: false, maxAge: "1h" }));
    // The web app routes in the browser: every other GET gets its page.
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => {
      res.sendFile(path.join(clientDir, "index.html"));
    });
  } else {
    app.get("/", (_req, res) => {
      res
        .type("text/plain")
        .send(
          "Parley is running. The API is at /api (try /api/health); realtime is Socket.IO on this origin.\n",
        );
    });
  }
  app.use(notFound);
  app.use(errorHandler(logger));

  const httpServer = createServer(app);
  const io = createRealtime({
    httpServer,
    auth,
    chat,
    rooms,
    bus,
    logger,
    allowedOrigins: config.allowedOrigins,
  });

  return {
    httpServer,
    io,
    services: { auth, items, chat, rooms, uploads, bus, timeline },
    /** Starts listening; resolves with the bound port (useful with port 0). */
    listen(port = config.port, host = config.host): Promise<number> {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      });
    },
    /** Stops accepting, closes sockets, then the database. */
    async close(): Promise<void> {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await db.close();
    },
  };
}
