import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import express from "express";
import type { Logger } from "pino";
import { LIMITS } from "../shared/limits.js";
import { UPLOAD_MAX_BYTES } from "../shared/uploads.js";
import { auctionRoutes } from "./auctions/routes.js";
import { createAuctionService } from "./auctions/service.js";
import { authRoutes } from "./auth/routes.js";
import { createAuthService } from "./auth/service.js";
import { createTokenSigner } from "./auth/tokens.js";
import { balanceRoutes } from "./balance/routes.js";
import { Bus } from "./bus.js";
import { createRoomService } from "./chat/rooms.js";
import { roomRoutes } from "./chat/routes.js";
import { createChatService } from "./chat/service.js";
import type { Config } from "./config.js";
import type { Db } from "./db/db.js";
import { createDealEngine } from "./deals/engine.js";
import { createOfferService, offerRoutes } from "./deals/offers.js";
import { dealRoutes } from "./deals/routes.js";
import { createDealService } from "./deals/service.js";
import { claimDueTimers, startWorker, timerIntervalMs } from "./deals/timers.js";
import { favoriteRoutes } from "./favorites/routes.js";
import { authenticate } from "./http/authenticate.js";
import { bodyLimit } from "./http/body-limit.js";
import { clientFiles } from "./http/client-files.js";
import { errorHandler, notFound } from "./http/errors.js";
import { inputGuard } from "./http/input-guard.js";
import { itemPageHtml } from "./http/page-meta.js";
import { authRateLimits, writeRateLimits } from "./http/rate-limit.js";
import { readinessRoutes } from "./http/readiness.js";
import { requestLog } from "./http/request-log.js";
import { securityHeaders } from "./http/security-headers.js";
import { apiKeysStopHere, integrationRoutes } from "./integrations/routes.js";
import { createIntegrations } from "./integrations/service.js";
import { itemRoutes } from "./items/routes.js";
import { createSearchGate } from "./items/search-gate.js";
import { createItemService, type OnItemRemoved } from "./items/service.js";
import { moderationRoutes } from "./moderation/routes.js";
import { createModerationService } from "./moderation/service.js";
import { createKeyBox } from "./nostr/keys.js";
import { createNostrPublisher } from "./nostr/publisher.js";
import { createNostrReader } from "./nostr/reader.js";
import { createEmailTokens } from "./notifications/email-tokens.js";
import { createMailer } from "./notifications/mailer.js";
import { createNotificationsReader } from "./notifications/reader.js";
import { notificationRoutes } from "./notifications/routes.js";
import { createNotificationService } from "./notifications/service.js";
import { createOutbox } from "./outbox/outbox.js";
import { createOutboxReaders } from "./outbox/readers.js";
import { createGateway, type PaymentGateway } from "./payments/gateway.js";
import { paymentRoutes } from "./payments/routes.js";
import { createPaymentService } from "./payments/service.js";
import { findPaymentByRef, getPayment } from "./payments/store.js";
import { stripeWebhookRoutes } from "./payments/webhook.js";
import { profileRoutes } from "./profiles/routes.js";
import { createFallbackStore } from "./rate-limit/fallback-store.js";
import { createMemoryStore } from "./rate-limit/memory-store.js";
import { createRateLimiter } from "./rate-limit/rate-limiter.js";
import { createRedisStore } from "./rate-limit/redis-store.js";
import { rateLimitRules } from "./rate-limit/rules.js";
import type { RedisAdapter } from "./realtime/redis-adapter.js";
import { createRealtime } from "./realtime/socket-server.js";
import { createRedis } from "./redis.js";
import { reviewRoutes } from "./reviews/routes.js";
import { createReviewService } from "./reviews/service.js";
import { savedSearchRoutes } from "./saved-searches/routes.js";
import { createSavedSearchService } from "./saved-searches/service.js";
import { Timeline } from "./timeline/timeline.js";
import { uploadFiles, uploadRoutes } from "./uploads/routes.js";
import { createUploadService } from "./uploads/service.js";

/** How often uploads nobody uses are looked for. */
const ORPHAN_SWEEP_MS = 3600 * 1000;
/**
 * How often the embedded database is vacuumed (a server's autovacuum looks once a minute too). Without it
 * a queue's drained rows stay in its partial index for good (the outbox drain read every row ever
 * drained, 10 ms a drain after 550 messages, growing for as long as the server runs), and a prepared
 * statement keeps the plan made for its tables' first sizes. A vacuum holds PGlite for its length
 * (40–100 ms every ten seconds in the bench's hot room), so not more often.
 */
const VACUUM_MS = 60 * 1000;
/** How often Nostr deliveries due for another try are looked for (new ones start at once). */
const NOSTR_TICK_MS = 1000;
/** How often emails due (new, coalesced, or to retry) are looked for. */
const MAIL_TICK_MS = 1000;

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
  const outbox = createOutbox({ db, bus, logger });
  const outboxReaders = createOutboxReaders({ db, bus, logger });
  const timeline = new Timeline(db, bus, outbox.drain);
  const tokens = createTokenSigner(config.jwtSecret, config.jwtTtlSeconds);
  const auth = createAuthService({ db, tokens, bus });
  // The embedded database runs one statement at a time: more searches at once would only queue inside it.
  const searchGate = createSearchGate({
    ...config.search,
    concurrency: config.databaseUrl ? config.search.concurrency : 1,
  });
  // Taking an item off the marketplace ends its open offers, in the same write.
  const onRemoved: OnItemRemoved = (write, item, reason) => engine.closeOffers(write, item, reason);
  const items = createItemService({ db, timeline, searchGate, onRemoved });
  const chat = createChatService({ db, timeline });
  const rooms = createRoomService({ db });
  const uploads = createUploadService({ dataDir: config.dataDir, db });
  const gateway = deps.paymentGateway ?? createGateway(config.stripe);
  const engine = createDealEngine({
    db,
    timeline,
    durations: {
      checkoutHoldSeconds: config.checkoutHoldSeconds,
      offerTtlSeconds: config.offerTtlSeconds,
      auctionPaymentSeconds: config.auctionPaymentSeconds,
      autoCompleteSeconds: config.autoCompleteSeconds,
      shipBySeconds: config.shipBySeconds,
      reviewWindowSeconds: config.reviewWindowSeconds,
    },
    feeBps: config.marketplaceFeeBps,
    provider: gateway.provider,
    logger,
  });
  const deals = createDealService({ db, timeline, engine });
  const auctions = createAuctionService({ db, timeline, engine, logger });
  const payments = createPaymentService({ db, timeline, engine, gateway, logger });
  const moderation = createModerationService({ db, timeline, bus, onRemoved, drainOutbox: outbox.drain });
  const offers = createOfferService({ db, timeline, engine });
  const savedSearches = createSavedSearchService({ db });
  const integrations = createIntegrations({ db, config: config.integrations, logger, outboxReaders });

  // Items as NIP-99 listings on the configured relays (docs/INTEGRATIONS.md, "Nostr"): the reader signs
  // and queues each change in the outbox's order; the publisher delivers on its own, with retries.
  const nostr = config.nostr ? createNostrPublisher({ db, ...config.nostr, logger }) : null;
  const nostrReader =
    config.nostr && nostr
      ? createNostrReader({
          box: createKeyBox(config.jwtSecret),
          relays: config.nostr.relays,
          publicUrl: config.publicUrl,
          onQueued: () => void nostr.run(),
          logger,
        })
      : null;
  if (nostrReader && !config.publicUrl) {
    logger.warn("NOSTR_RELAYS without PUBLIC_URL: listings carry no uploaded photos and no link back");
  }
  // Off, the reader still moves past every change (publishing nothing): the feed's clean-up, which keeps
  // what a reader has not read, is never held up. Turned on, the reader publishes what changes from then,
  // and its catch-up (the Nostr worker's, below) what was there before.
  outboxReaders.add(nostrReader ?? { name: "nostr", types: [], handle: async () => {} });

  const emailTokens = createEmailTokens(config.jwtSecret);
  const notifications = createNotificationService({
    db,
    tokens: emailTokens,
    emailEnabled: config.email.smtpUrl !== null,
    drainOutbox: outbox.drain,
  });
  outboxReaders.add(
    createNotificationsReader({
      bus,
      email: config.email.smtpUrl ? { coalesceSeconds: config.email.coalesceSeconds } : null,
    }),
  );
  // Without SMTP_URL there is no mailer: nothing is queued and nothing is sent.
  const mailer = config.email.smtpUrl
    ? createMailer({
        db,
        smtpUrl: config.email.smtpUrl,
        from: config.email.from,
        // Links in emails: the public address, or this server as reached on this machine.
        publicUrl: config.publicUrl ?? `http://localhost:${config.port}`,
        tokens: emailTokens,
        coalesceSeconds: config.email.coalesceSeconds,
        logger,
      })
    : null;
  const reviews = createReviewService({ db, timeline, engine });

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
  api.use(authenticate(auth, db));
  // An API key's only doors; past them it is refused everywhere.
  api.use(integrationRoutes(integrations));
  api.use((req, _res, next) => {
    apiKeysStopHere(req);
    next();
  });
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
  api.use(itemRoutes(items, limiter, limits));
  api.use(roomRoutes(rooms));
  api.use(profileRoutes(db, outbox.drain));
  api.use(notificationRoutes(notifications));
  api.use(favoriteRoutes(db));
  api.use(savedSearchRoutes(savedSearches));
  api.use(
    paymentRoutes(payments, deals, {
      paymentProvider: gateway.provider,
      stripePublishableKey: config.stripe?.publishableKey ?? null,
      checkoutHoldSeconds: config.checkoutHoldSeconds,
    }),
  );
  api.use(dealRoutes(deals, engine));
  api.use(offerRoutes(offers));
  api.use(reviewRoutes(reviews, db));
  api.use(balanceRoutes(db));
  api.use(auctionRoutes(auctions, (userId) => limiter.consume(limits.messagesPerUser, userId)));
  api.use(moderationRoutes(moderation, limiter, limits));
  api.use(notFound);
  app.use("/api", api);
  app.use(uploadFiles(uploads));

  const clientDir = deps.clientDir;
  if (clientDir && existsSync(path.join(clientDir, "index.html"))) {
    // An item's page carries its title and link-preview tags, so shared links show the item.
    const template = readFileSync(path.join(clientDir, "index.html"), "utf8");
    app.get(/^\/items\/([0-9a-f-]{36})\/?$/i, async (req, res, next) => {
      const item = await items.get(req.params[0] ?? "").catch(() => null);
      if (!item || item.status === "removed") return next();
      res.set("Cache-Control", "no-cache");
      res.type("html").send(itemPageHtml(template, item, `${req.protocol}://${req.get("host")}`));
    });
    app.use(clientFiles(clientDir));
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
    deals,
    auctions,
    moderation,
    bus,
    logger,
    allowedOrigins: config.allowedOrigins,
    limitMessages: (userId) => limiter.consume(limits.messagesPerUser, userId),
    socketsPerUser: config.socketsPerUser,
    socketsPerAddress: config.socketsPerAddress,
    socketEventsPerSecond: config.socketEventsPerSecond,
    itemsChangedToAll: config.itemsChangedToAll,
    ...(deps.redis ? { adapter: deps.redis.adapter } : {}),
  });
  // However the server stops (app.close, or io.close in tests), the Redis connection goes with it.
  let limiterClosed: Promise<void> | undefined;
  const closeLimiter = () => {
    limiterClosed ??= limiter.close().catch(() => {});
    return limiterClosed;
  };
  httpServer.on("close", () => void closeLimiter());
  // Fires due timers (expired checkout holds…), including those that fell due while the server was
  // down; retries owed refunds; drains what a crashed process left in the outbox.
  const worker = startWorker(
    async () => {
      const fired = (
        await Promise.all(
          (
            await claimDueTimers(db, 100)
          ).map((timer) => (timer.dealId ? engine.fire(timer) : auctions.fire(timer))),
        )
      ).filter(Boolean).length;
      if (fired > 0) logger.info({ fired }, "fired due timers");
      await payments.retryRefunds();
      await outbox.drain();
      await outboxReaders.run();
    },
    {
      intervalMs: timerIntervalMs(
        Math.min(
          config.checkoutHoldSeconds,
          config.offerTtlSeconds,
          config.shipBySeconds,
          config.autoCompleteSeconds,
        ),
      ),
      logger,
    },
  );
  integrations.start();

  // Each tick catches up first (once done, at no cost; a failed one tries again), then publishes.
  const nostrWorker =
    nostr && nostrReader
      ? startWorker(
          async () => {
            await nostrReader.catchUp(db);
            await nostr.run();
          },
          { intervalMs: NOSTR_TICK_MS, logger },
        )
      : null;
  // Email on a loop of its own: an SMTP server that hangs (up to its timeouts, about 20 s a send) must
  // not hold up timers (a payment window, an auction's end), refunds or the outbox.
  const mailWorker = mailer
    ? startWorker(
        async () => {
          const emailed = await mailer.sendDue();
          if (emailed > 0) logger.info({ emailed }, "sent emails");
        },
        { intervalMs: MAIL_TICK_MS, logger },
      )
    : null;

  const orphanSweep = setInterval(() => {
    uploads.sweepOrphans().then(
      (deleted) => deleted > 0 && logger.info({ deleted }, "deleted orphan uploads"),
      (error: unknown) => logger.warn({ err: error }, "orphan upload sweep failed"),
    );
  }, ORPHAN_SWEEP_MS);
  orphanSweep.unref();
  const vacuum = db.vacuum?.bind(db);
  const vacuumWorker = vacuum ? startWorker(vacuum, { intervalMs: VACUUM_MS, logger }) : null;

  /** Stops background work (the workers, the orphan-upload sweep, the vacuum); the database stays open. */
  const stopBackground = async (): Promise<void> => {
    clearInterval(orphanSweep);
    await Promise.all([
      worker.stop(),
      vacuumWorker?.stop(),
      mailWorker?.stop(),
      nostrWorker?.stop(),
      nostr?.stop(),
      integrations.stop(),
    ]);
  };

  return {
    httpServer,
    io,
    services: {
      auth,
      items,
      chat,
      rooms,
      uploads,
      moderation,
      payments,
      deals,
      auctions,
      engine,
      savedSearches,
      reviews,
      bus,
      timeline,
      outbox,
      outboxReaders,
      integrations,
      notifications,
    },
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
    stopBackground,
    /** Stops accepting, closes sockets, then the database. */
    async close(): Promise<void> {
      await stopBackground();
      mailer?.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeLimiter();
      await deps.redis?.close();
      await db.close();
    },
  };
}
