import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const ZEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Prefix of every Redis key and channel; processes serving one marketplace share it, others differ. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default("parley"),
  /** How many server processes `npm run start:cluster` runs. */
  CLUSTER_WORKERS: z.coerce.number().int().min(1).max(64).default(2),
  JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters").optional(),
  JWT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_PUBLISHABLE_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  STRIPE_API_BASE: z.url().optional(),
  CHECKOUT_HOLD_SECONDS: z.coerce.number().int().min(1).default(900),
  /** How long an offer or a counter-offer stands unanswered before it expires (48 h). */
  OFFER_TTL_SECONDS: z.coerce.number().int().min(1).default(172_800),
  AUCTION_PAYMENT_SECONDS: z.coerce.number().int().min(1).default(86_400),
  /** A shipped order (or a paid one with no shipping option) completes by itself after this long (14 days). */
  AUTO_COMPLETE_SECONDS: z.coerce.number().int().min(1).default(1_209_600),
  /** A paid order with a shipping option not shipped by then is canceled and refunded (7 days). */
  SHIP_BY_SECONDS: z.coerce.number().int().min(1).default(604_800),
  /** The marketplace's fee on each sale, in basis points of the deal's total (250 = 2.5%). */
  MARKETPLACE_FEE_BPS: z.coerce.number().int().min(0).max(10_000).default(0),
  /** How long after a deal completed its parties may review it (14 days); blind reviews publish at the end. */
  REVIEW_WINDOW_SECONDS: z.coerce.number().int().min(1).default(1_209_600),
  /** Comma-separated origins allowed to open a socket besides the server's own. */
  ALLOWED_ORIGINS: z.string().default(""),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Express's `trust proxy`: set it behind a reverse proxy so per-address limits see the client's address. */
  TRUST_PROXY: z.string().optional(),
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** Every Redis command gives up after this long and the server carries on without Redis. */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).default(1_000),
  SOCKETS_PER_USER: z.coerce.number().int().min(1).default(200),
  /** Events one socket may send per second on average (bursts of four times as many). */
  SOCKET_EVENTS_PER_SECOND: z.coerce.number().int().min(1).default(10),
  SOCKETS_PER_ADDRESS: z.coerce.number().int().min(1).default(1_000),
  RATE_LIMIT_SIGNIN_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_SIGNIN_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
  RATE_LIMIT_REGISTER_PER_ADDRESS: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_REPORTS_PER_HOUR: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_ITEM_WRITES_PER_HOUR: z.coerce.number().int().min(1).default(60),
  RATE_LIMIT_UPLOADS_PER_HOUR: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_SEARCHES_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /** Keyword searches running at once in this process; the rest wait, within the deadline. */
  SEARCH_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(3),
  /** A keyword search answers within this many milliseconds (waiting included) or gets 429. */
  SEARCH_DEADLINE_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** v1's `items:changed` to every socket; by default only subscribed sockets and the item's room get it. */
  ITEMS_CHANGED_TO_ALL: z.enum(["true", "false"]).default("false"),
  /** Comma-separated ws:// or wss:// relays that get every item as a NIP-99 listing; unset: no Nostr. */
  NOSTR_RELAYS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((relay) => relay.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.url({
          protocol: /^wss?$/,
          error: "Each Nostr relay is a ws:// or wss:// URL, separated by commas",
        }),
      ),
    ),
  /** Seconds before a relay that failed is tried again; doubled after each failure, up to an hour. */
  NOSTR_RETRY_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  /** The address people reach this marketplace at (https://market.example): makes links and images absolute. */
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: "PUBLIC_URL is an http:// or https:// URL" }).optional(),
  /** How long the feed keeps an event (what a reader has not read yet is kept longer). */
  FEED_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  /** Webhook URLs may resolve to loopback, private and link-local addresses (tests, private networks). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(["true", "false"]).default("false"),
  /** How long a webhook endpoint has to answer. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
  /** Seconds before each retry of a failed delivery, comma-separated; the last failure gives up. */
  WEBHOOK_RETRY_SECONDS: z
    .string()
    .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?){0,19}$/, "WEBHOOK_RETRY_SECONDS is a comma list of seconds")
    .default("5,300,1800,7200,18000,36000,36000"),
  /** An SMTP server (`smtp://user:pass@host:587`, `smtps://…`); unset means no email is sent. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  /** The sender of every email. */
  EMAIL_FROM: z.string().min(3).default("Parley <no-reply@localhost>"),
  /** At most one email per conversation per user in this many seconds. */
  EMAIL_COALESCE_SECONDS: z.coerce.number().int().min(0).default(300),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  redisPrefix: string;
  clusterWorkers: number;
  jwtSecret: string;
  jwtTtlSeconds: number;
  stripe: {
    secretKey: string;
    publishableKey: string | undefined;
    webhookSecret: string;
    apiBase: string | undefined;
  } | null;
  checkoutHoldSeconds: number;
  /** How long an auction's winner has to pay before the second chance. */
  auctionPaymentSeconds: number;
  /** Fulfilment's timers: `auto-complete` and `auto-cancel`. */
  autoCompleteSeconds: number;
  shipBySeconds: number;
  /** The fee on each sale, in basis points of the total. */
  marketplaceFeeBps: number;
  reviewWindowSeconds: number;
  /** See `DatabaseTimeouts`; PGlite is in-process and needs none. */
  databaseTimeouts: { connectMs: number; statementMs: number; queryMs: number };
  redisCommandTimeoutMs: number;
  /** Open sockets one user, and one client address, may hold on one server process. */
  socketsPerUser: number;
  socketsPerAddress: number;
  /** Events one socket may send per second on average; bursts of four times as many. */
  socketEventsPerSecond: number;
  offerTtlSeconds: number;
  allowedOrigins: string[];
  logLevel: z.infer<typeof ZEnv>["LOG_LEVEL"];
  trustProxy: boolean | number | string;
  /** How many attempts each window allows; see docs/MODERATION.md. */
  rateLimits: {
    /** Sign-in attempts per account from one address per 15 minutes (a success clears that count). */
    signInPerAccount: number;
    /** Sign-in attempts per client address per 15 minutes. */
    signInPerAddress: number;
    /** Registrations per client address per hour. */
    registerPerAddress: number;
    /** Chat messages per user per minute. */
    messagesPerMinute: number;
    /** Reports per user per hour. */
    reportsPerHour: number;
    /** Item listings and edits per seller per hour. */
    itemWritesPerHour: number;
    /** Image uploads per seller per hour. */
    uploadsPerHour: number;
    /** Keyword searches per client address per minute. */
    searchesPerMinute: number;
  };
  search: { concurrency: number; deadlineMs: number };
  itemsChangedToAll: boolean;
  /** Nostr publishing (docs/INTEGRATIONS.md); null without `NOSTR_RELAYS`. */
  nostr: { relays: string[]; retrySeconds: number } | null;
  /** Where people reach the marketplace, for absolute links outside it; unset: only relative ones exist. */
  publicUrl: string | undefined;
  integrations: {
    feedRetentionDays: number;
    webhooks: {
      allowPrivate: boolean;
      timeoutMs: number;
      /** Seconds before the 1st, 2nd… retry; a delivery is tried `retrySeconds.length + 1` times. */
      retrySeconds: number[];
    };
  };
  /** Notification email; `smtpUrl` null sends nothing. */
  email: { smtpUrl: string | null; from: string; coalesceSeconds: number };
};

/** Parses the environment once; fails with every bad variable listed. Nothing else reads `process.env`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ZEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const stripeKeys = [e.STRIPE_SECRET_KEY, e.STRIPE_WEBHOOK_SECRET];
  if (stripeKeys.some(Boolean) && !stripeKeys.every(Boolean)) {
    throw new Error(
      "Invalid configuration:\n  STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set together or not at all",
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    clusterWorkers: e.CLUSTER_WORKERS,
    jwtSecret: e.JWT_SECRET ?? persistentSecret(dataDir, "jwt-secret"),
    jwtTtlSeconds: e.JWT_TTL_SECONDS,
    stripe:
      e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
        ? {
            secretKey: e.STRIPE_SECRET_KEY,
            publishableKey: e.STRIPE_PUBLISHABLE_KEY,
            webhookSecret: e.STRIPE_WEBHOOK_SECRET,
            apiBase: e.STRIPE_API_BASE,
          }
        : null,
    checkoutHoldSeconds: e.CHECKOUT_HOLD_SECONDS,
    auctionPaymentSeconds: e.AUCTION_PAYMENT_SECONDS,
    autoCompleteSeconds: e.AUTO_COMPLETE_SECONDS,
    shipBySeconds: e.SHIP_BY_SECONDS,
    marketplaceFeeBps: e.MARKETPLACE_FEE_BPS,
    reviewWindowSeconds: e.REVIEW_WINDOW_SECONDS,
    databaseTimeouts: {
      connectMs: e.DB_CONNECT_TIMEOUT_MS,
      statementMs: e.DB_STATEMENT_TIMEOUT_MS,
      queryMs: e.DB_QUERY_TIMEOUT_MS,
    },
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    socketsPerUser: e.SOCKETS_PER_USER,
    socketsPerAddress: e.SOCKETS_PER_ADDRESS,
    socketEventsPerSecond: e.SOCKET_EVENTS_PER_SECOND,
    offerTtlSeconds: e.OFFER_TTL_SECONDS,
    allowedOrigins: e.ALLOWED_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
    logLevel: e.LOG_LEVEL,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    rateLimits: {
      signInPerAccount: e.RATE_LIMIT_SIGNIN_PER_ACCOUNT,
      signInPerAddress: e.RATE_LIMIT_SIGNIN_PER_ADDRESS,
      registerPerAddress: e.RATE_LIMIT_REGISTER_PER_ADDRESS,
      messagesPerMinute: e.RATE_LIMIT_MESSAGES_PER_MINUTE,
      reportsPerHour: e.RATE_LIMIT_REPORTS_PER_HOUR,
      itemWritesPerHour: e.RATE_LIMIT_ITEM_WRITES_PER_HOUR,
      uploadsPerHour: e.RATE_LIMIT_UPLOADS_PER_HOUR,
      searchesPerMinute: e.RATE_LIMIT_SEARCHES_PER_MINUTE,
    },
    search: { concurrency: e.SEARCH_CONCURRENCY, deadlineMs: e.SEARCH_DEADLINE_MS },
    itemsChangedToAll: e.ITEMS_CHANGED_TO_ALL === "true",
    nostr: e.NOSTR_RELAYS.length > 0 ? { relays: e.NOSTR_RELAYS, retrySeconds: e.NOSTR_RETRY_SECONDS } : null,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    integrations: {
      feedRetentionDays: e.FEED_RETENTION_DAYS,
      webhooks: {
        allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === "true",
        timeoutMs: e.WEBHOOK_TIMEOUT_MS,
        retrySeconds: e.WEBHOOK_RETRY_SECONDS.split(",").map(Number),
      },
    },
    email: { smtpUrl: e.SMTP_URL ?? null, from: e.EMAIL_FROM, coalesceSeconds: e.EMAIL_COALESCE_SECONDS },
  };
}

/** `true`/`false`, a hop count, or Express's list of trusted addresses (`loopback`, `10.0.0.0/8`). */
function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** A random secret made on first start and kept (mode 0600) in the data directory. */
function persistentSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(48).toString("base64url");
    // "wx" fails if another process wrote it first; then read theirs.
    try {
      writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
      return secret;
    } catch {
      return readFileSync(file, "utf8").trim();
    }
  }
}
