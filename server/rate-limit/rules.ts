import type { Config } from "../config.js";
import type { RateLimitRule } from "./rate-limiter.js";

const MINUTE = 60_000;

/** Every limit the server enforces, from the configured numbers. */
export function rateLimitRules(limits: Config["rateLimits"]) {
  return {
    signInPerAccount: { name: "signin-account", max: limits.signInPerAccount, windowMs: 15 * MINUTE },
    signInPerAddress: { name: "signin-address", max: limits.signInPerAddress, windowMs: 15 * MINUTE },
    registerPerAddress: { name: "register-address", max: limits.registerPerAddress, windowMs: 60 * MINUTE },
    messagesPerUser: { name: "message-user", max: limits.messagesPerMinute, windowMs: MINUTE },
    reportsPerUser: { name: "report-user", max: limits.reportsPerHour, windowMs: 60 * MINUTE },
    itemWritesPerUser: { name: "item-write-user", max: limits.itemWritesPerHour, windowMs: 60 * MINUTE },
    uploadsPerUser: { name: "upload-user", max: limits.uploadsPerHour, windowMs: 60 * MINUTE },
    searchesPerAddress: { name: "search-address", max: limits.searchesPerMinute, windowMs: MINUTE },
  } satisfies Record<string, RateLimitRule>;
}

export type RateLimitRules = ReturnType<typeof rateLimitRules>;
