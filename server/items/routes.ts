import { Router } from "express";
import { z } from "zod";
import { parseOrThrow } from "../../shared/errors.js";
import { ZCreateItemRequest, ZEventsQuery, ZListItemsQuery, ZUpdateItemRequest } from "../../shared/items.js";
import { requireUser } from "../http/authenticate.js";
import { presentEvents, presentItem } from "../moderation/redaction.js";
import type { ItemService } from "./service.js";

const ZItemId = z.uuid();

export function itemRoutes(items: ItemService): Router {
  const router = Router();
  const itemId = (raw: unknown) => parseOrThrow(ZItemId, raw, "item id");

  router.get("/items", async (req, res) => {
    res.json(await items.list(parseOrThrow(ZListItemsQuery, req.query, "query")));
  });

  router.post("/items", async (req, res) => {
    const user = requireUser(req);
    const input = parseOrThrow(ZCreateItemRequest, req.body);
    res.status(201).json({ item: await items.create(user, input) });
  });

  router.get("/items/:id", async (req, res) => {
    res.json({ item: presentItem(await items.get(itemId(req.params.id)), req.user ?? null) });
  });

  router.patch("/items/:id", async (req, res) => {
    const user = requireUser(req);
    const id = itemId(req.params.id);
    const patch = parseOrThrow(ZUpdateItemRequest, req.body);
    res.json({ item: await items.update(user, id, patch) });
  });

  router.get("/items/:id/events", async (req, res) => {
    const user = requireUser(req);
    const id = itemId(req.params.id);
    const events = await items.events(id, parseOrThrow(ZEventsQuery, req.query, "query"));
    res.json({ events: presentEvents(events, user) });
  });

  return router;
}
