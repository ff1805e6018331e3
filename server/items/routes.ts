import { Router } from "express";
import { z } from "zod";
import { CATEGORIES } from "../../shared/categories.js";
import { parseOrThrow } from "../../shared/errors.js";
import { ZCreateItemRequest, ZEventsQuery, ZListItemsQuery, ZUpdateItemRequest } from "../../shared/items.js";
import { requireUser } from "../http/authenticate.js";
import { addressOf, limit } from "../http/rate-limit.js";
import { presentEvents, presentItem } from "../moderation/redaction.js";
import type { RateLimiter } from "../rate-limit/rate-limiter.js";
import type { RateLimitRules } from "../rate-limit/rules.js";
import type { ItemService } from "./service.js";

const ZItemId = z.uuid();

export function itemRoutes(items: ItemService, limiter: RateLimiter, rules: RateLimitRules): Router {
  const router = Router();
  const itemId = (raw: unknown) => parseOrThrow(ZItemId, raw, "item id");

  router.get("/categories", (_req, res) => {
    res.set("Cache-Control", "public, max-age=3600").json({ categories: CATEGORIES });
  });

  // Keyword searches cost the database most: they are counted per address (browsing without `q` is not).
  router.get(
    "/items",
    limit(limiter, rules.searchesPerAddress, (req) => (req.query.q ? addressOf(req) : null)),
    async (req, res) => {
      res.json(await items.list(parseOrThrow(ZListItemsQuery, req.query, "query")));
    },
  );

  router.get("/me/items", async (req, res) => {
    res.json({ listings: await items.mine(requireUser(req)) });
  });

  router.post("/items", async (req, res) => {
    const user = requireUser(req);
    const input = parseOrThrow(ZCreateItemRequest, req.body);
    res.status(201).json({ item: await items.create(user, input) });
  });

  router.get("/items/:id", async (req, res) => {
    const user = req.authError ? requireUser(req) : (req.user ?? null);
    res.json({ item: presentItem(await items.get(itemId(req.params.id), user), user) });
  });

  router.patch("/items/:id", async (req, res) => {
    const user = requireUser(req);
    const id = itemId(req.params.id);
    const patch = parseOrThrow(ZUpdateItemRequest, req.body);
    res.json({ item: await items.update(user, id, patch) });
  });

  router.post("/items/:id/withdraw", async (req, res) => {
    const user = requireUser(req);
    res.json({ item: await items.withdraw(user, itemId(req.params.id)) });
  });

  router.post("/items/:id/relist", async (req, res) => {
    const user = requireUser(req);
    res.json({ item: await items.relist(user, itemId(req.params.id)) });
  });

  // Rooms are public: anyone may read the history, signed in or not (hidden events stay redacted).
  router.get("/items/:id/events", async (req, res) => {
    // A token that is sent must still be good: a revoked one is refused, not read as anonymous.
    const user = req.authError ? requireUser(req) : (req.user ?? null);
    const id = itemId(req.params.id);
    const events = await items.events(id, parseOrThrow(ZEventsQuery, req.query, "query"));
    res.json({ events: presentEvents(events, user) });
  });

  return router;
}
