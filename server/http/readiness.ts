import { Router } from "express";
import { withTimeout } from "../with-timeout.js";

/** How long each dependency may take to answer the readiness probe. */
const CHECK_TIMEOUT_MS = 2_000;

export type ReadinessChecks = {
  database: () => Promise<unknown>;
  /** Null when no Redis is configured. */
  redis: (() => Promise<unknown>) | null;
};

/**
 * `GET /api/ready`: 200 when the database and (if configured) Redis answer within 2 s, else 503 saying
 * which is down. A load balancer routes by it; `/api/health` stays a cheap liveness check.
 */
export function readinessRoutes(checks: ReadinessChecks): Router {
  const router = Router();
  const probe = async (check: () => Promise<unknown>) => {
    try {
      await withTimeout(check(), CHECK_TIMEOUT_MS, "readiness check");
      return "up" as const;
    } catch {
      return "down" as const;
    }
  };
  router.get("/ready", async (_req, res) => {
    const [database, redis] = await Promise.all([
      probe(checks.database),
      checks.redis ? probe(checks.redis) : Promise.resolve("none" as const),
    ]);
    const ready = database === "up" && redis !== "down";
    res
      .status(ready ? 200 : 503)
      .set("Cache-Control", "no-store")
      .json({ status: ready ? "ready" : "unavailable", database, redis });
  });
  return router;
}
