import { type Request, Router } from "express";
import { z } from "zod";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import { ZCreateWebhookEndpointRequest, ZFeedQuery } from "../../shared/integrations.js";
import { ZQueryInt } from "../../shared/items.js";
import { moderationPolicy } from "../moderation/policy.js";
import type { Integrations } from "./service.js";
import type { IntegrationCaller } from "./webhook-endpoints.js";

const ZId = z.uuid();
const ZDeliveriesQuery = z.object({ limit: ZQueryInt(1, 100).default(50) });

/** The feed: API keys only (a session's token never reads it; the contract gives it to integrations). */
function requireApiKey(req: Request): string {
  if (req.apiKey) return req.apiKey.id;
  if (req.user) throw new AppError("forbidden", "The feed is read with an API key (npm run apikey:create)");
  throw req.authError ?? new AppError("unauthorized", "Send an API key: Authorization: Bearer parley_…");
}

/** Webhook endpoints: an API key (its own endpoints) or a moderator (all of them). */
function requireCaller(req: Request): IntegrationCaller {
  if (req.apiKey) return { apiKeyId: req.apiKey.id };
  if (req.user && moderationPolicy.moderate(req.user)) return { moderatorId: req.user.id };
  if (req.user) throw new AppError("forbidden", "Only moderators and API keys manage webhook endpoints");
  throw req.authError ?? new AppError("unauthorized", "Send an API key or sign in as a moderator");
}

/**
 * `GET /api/feed` and `/api/webhook-endpoints…`: the only routes an API key opens. Mounted before every
 * other route, followed by `apiKeysStopHere`.
 */
export function integrationRoutes(integrations: Integrations): Router {
  const router = Router();
  const { endpoints } = integrations;
  const id = (raw: unknown, what: string) => parseOrThrow(ZId, raw, what);

  router.get("/feed", async (req, res) => {
    requireApiKey(req);
    res.json(await integrations.feed(parseOrThrow(ZFeedQuery, req.query, "query")));
  });

  router.post("/webhook-endpoints", async (req, res) => {
    const caller = requireCaller(req);
    const input = parseOrThrow(ZCreateWebhookEndpointRequest, req.body, "endpoint");
    res.status(201).json({ endpoint: await endpoints.create(caller, input) });
  });

  router.get("/webhook-endpoints", async (req, res) => {
    res.json({ endpoints: await endpoints.list(requireCaller(req)) });
  });

  router.delete("/webhook-endpoints/:id", async (req, res) => {
    await endpoints.remove(requireCaller(req), id(req.params.id, "endpoint id"));
    res.status(204).end();
  });

  router.post("/webhook-endpoints/:id/enable", async (req, res) => {
    const endpoint = await endpoints.enable(requireCaller(req), id(req.params.id, "endpoint id"));
    res.json({ endpoint });
  });

  router.get("/webhook-endpoints/:id/deliveries", async (req, res) => {
    const caller = requireCaller(req);
    const { limit } = parseOrThrow(ZDeliveriesQuery, req.query, "query");
    res.json({ deliveries: await endpoints.deliveries(caller, id(req.params.id, "endpoint id"), limit) });
  });

  router.post("/webhook-endpoints/:id/deliveries/:deliveryId/resend", async (req, res) => {
    const caller = requireCaller(req);
    const delivery = await endpoints.resend(
      caller,
      id(req.params.id, "endpoint id"),
      id(req.params.deliveryId, "delivery id"),
    );
    res.json({ delivery });
  });

  return router;
}

/** After the integration routes: an API key opens nothing else, not even public routes. */
export function apiKeysStopHere(req: Request): void {
  if (req.apiKey || req.apiKeyRefused) {
    throw new AppError("forbidden", "An API key only reads the feed and manages webhook endpoints");
  }
}
