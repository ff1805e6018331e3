import { existsSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import express from "express";
import type { Logger } from "pino";
import { LIMITS } from "../shared/limits.js";
import { UPLOAD_MAX_BYTES } from "../shared/uploads.js";
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
import { bodyLimit } from "./http/body-limit.js";
import { errorHandler, notFound } from "./http/errors.js";
import { inputGuard } from "./http/input-guard.js";
import { authRateLimits, writeRateLimits } from "./http/rate-limit.js";
import { readinessRoutes } from "./http/readiness.js";
import { requestLog } from "./http/request-log.js";
import { securityHeaders } from "./http/security-headers.js";
import { itemRoutes } from "./items/routes.js";
import { createItemService } from "./items/service.js";
import { moderationRoutes } from "./moderation/routes.js";
import { createModerationService } from "./moderation/service.js";
import { startExpirySweeper, sweepIntervalMs } from "./payments/expiry.js";
import { createGateway, type PaymentGateway } from "./payments/gateway.js";
import { paymentRoutes } from "./payments/routes.js";
import { createPaymentService } from "./payments/service.js";
import { findPaymentByRef, getPayment } from "./payments/store.js";
import { stripeWebhookRoutes } from "./payments/webhook.js";
import { createFallbackStore } from "./rate-limit/fallback-store.js";
import { createMemoryStore } from "./rate-limit/memory-store.js";
import { createRateLimiter } from "./rate-limit/rate-limiter.js";
import { createRedisStore } from "./rate-limit/redis-store.js";
import { rateLimitRules } from "./rate-limit/rules.js";
import type { RedisAdapter } from "./realtime/redis-adapter.js";
import { createRealtime } from "./realtime/socket-server.js";
import { createRedis } from "./redis.js";
import { Timeline } from "./timeline/timeline.js";
import { uploadFiles, uploadRoutes } from "./uploads/routes.js";
import { createUploadService } from "./uploads/service.js";

/** How often uploads nobody uses are looked for. */
const ORPHAN_SWEEP_MS = 3600 * 1000;

export type AppDeps = {
  config: Config;
  db: Db;
  logger: Logger;
  /** The built web app to serve at `/`, if there is one. */
  clientDir?: string;
  /** The card processor; by default Stripe when its keys are configured, else the simulated one. */
  paymentGateway?: PaymentGateway;
  /** Carries broadcasts to the other server processes (`main.ts` makes one when `REDIS_URL` is set). */
  redis?: RedisAdapter;
};

export type App = Awaited<ReturnType<typeof createApp>>;

/** Builds the whole server from its dependencies; `main.ts` and the tests both use it. */
export function createApp(deps: AppDeps) {
  const { config, db, logger } = deps;
  const bus = new Bus((error, name) =>
    logger.error({ err: error, event: name }, "domain event listener failed"),
  );
  const timeline = new Timeline(db, bus);
  const tokens = createTokenSigner(config.jwtSecret, config.jwtTtlSeconds);
  const auth = createAuthService({ db, tokens, bus });
  const items = createItemService({ db, timeline });
  const chat = createChatService({ db, timeline });
  const rooms = createRoomService({ db });
  const uploads = createUploadService({ dataDir: config.dataDir, db });
  const gateway = deps.paymentGateway ?? createGateway(config.stripe);
  const payments = createPaymentService({
    db,
    timeline,
    gateway,
    holdSeconds: config.checkoutHoldSeconds,
    logger,
  });
  const moderation = createModerationService({ db, timeline, bus });

  // Counters several processes must share live in Redis when there is one. It connects in the background
  // and reconnects by itself; while it is down or hangs the counters live in memory (see fallback-store.ts),
  // so sign-in and chat never wait on it.
  const redis = config.redisUrl ? createRedis(config.redisUrl) : null;
  redis?.connect().catch((error: unknown) => logger.error({ err: error }, "Redis connection failed"));
  const limiter = createRateLimiter(
    redis
      ? createFallbackStore(createRedisStore(redis, config.redisPrefix), createMemoryStore(), {
          timeoutMs: config.redisCommandTimeoutMs,
          onError: (error) =>
            logger.warn({ err: error }, "Redis rate limit store failed; counting in memory"),
        })
      : createMemoryStore(),
    (error) => logger.warn({ err: error }, "rate limit store failed; request allowed"),
  );
  const limits = rateLimitRules(config.rateLimits);

  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.set("trust proxy", config.trustProxy);
  app.use(securityHeaders({ stripe: config.stripe !== null }));
  app.use(bodyLimit((req) => (req.path === "/api/uploads" ? UPLOAD_MAX_BYTES : LIMITS.bodyBytes)));

  // Every API request is logged, Stripe's webhooks included.
  app.use("/api", requestLog(logger));
  // Before the JSON parser: Stripe signs the raw bytes.
  app.use(
    "/api/webhooks/stripe",
    stripeWebhookRoutes(
      payments,
      config.stripe?.webhookSecret ?? null,
      async (ref, paymentId) =>
        (await findPaymentByRef(db, ref)) ?? (paymentId ? await getPayment(db, paymentId) : null),
      logger,
    ),
  );

  const api = express.Router();
  api.use(express.json({ limit: LIMITS.bodyBytes }));
  api.use(inputGuard);
  api.use(authenticate(auth));
  api.use(writeRateLimits(limiter, limits));
  // Before any other body parser: an upload's body is the raw image.
  api.use(uploadRoutes(uploads));
  api.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  api.use(
    readinessRoutes({
      database: () => db.query("select 1"),
      redis: redis ? () => redis.ping() : null,
    }),
  );
  api.use(authRateLimits(limiter, limits));
  api.use(authRoutes(auth));
  api.use(itemRoutes(items));
  api.use(roomRoutes(rooms));
  api.use(
    paymentRoutes(payments, {
      paymentProvider: gateway.provider,
      stripePublishableKey: config.stripe?.publishableKey ?? null,
      checkoutHoldSeconds: config.checkoutHoldSeconds,
    }),
  );
  api.use(moderationRoutes(moderation, limiter, limits));
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
    items,
    rooms,
    moderation,
    bus,
    logger,
    allowedOrigins: config.allowedOrigins,
    limitMessages: (userId) => limiter.consume(limits.messagesPerUser, userId),
    socketsPerUser: config.socketsPerUser,
    socketsPerAddress: config.socketsPerAddress,
    socketEventsPerSecond: config.socketEventsPerSecond,
    ...(deps.redis ? { adapter: deps.redis.adapter } : {}),
  });
  // However the server stops (app.close, or io.close in tests), the Redis connection goes with it.
  let limiterClosed: Promise<void> | undefined;
  const closeLimiter = () => {
    limiterClosed ??= limiter.close().catch(() => {});
    return limiterClosed;
  };
  httpServer.on("close", () => void closeLimiter());
  // Releases expired checkout holds, including those that ran out while the server was down.
  const sweeper = startExpirySweeper(payments, {
    intervalMs: sweepIntervalMs(config.checkoutHoldSeconds),
    logger,
  });

  const orphanSweep = setInterval(() => {
    uploads.sweepOrphans().then(
      (deleted) => deleted > 0 && logger.info({ deleted }, "deleted orphan uploads"),
      (error: unknown) => logger.warn({ err: error }, "orphan upload sweep failed"),
    );
  }, ORPHAN_SWEEP_MS);
  orphanSweep.unref();

  return {
    httpServer,
    io,
    services: { auth, items, chat, rooms, uploads, moderation, payments, bus, timeline },
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
    /** Stops timers and background work (the expiry sweeper); the database stays open. */
    async stopBackground(): Promise<void> {
      clearInterval(orphanSweep);
      await sweeper.stop();
    },
    /** Stops accepting, closes sockets, then the database. */
    async close(): Promise<void> {
      clearInterval(orphanSweep);
      await sweeper.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeLimiter();
      await deps.redis?.close();
      await db.close();
    },
  };
}
