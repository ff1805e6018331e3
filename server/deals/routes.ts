import { Router } from "express";
import { z } from "zod";
import { ZDealEventsQuery, ZListDealsQuery, ZTransitionParams } from "../../shared/deals.js";
import { parseOrThrow } from "../../shared/errors.js";
import { requireUser } from "../http/authenticate.js";
import type { DealEngine } from "./engine.js";
import type { DealService } from "./service.js";

const ZId = z.uuid();
const ZTransitionName = z.string().regex(/^[a-z][a-z-]{0,31}$/, "Not a transition name");

/** Deals (parties and moderators only) and the processes they run (anyone). */
export function dealRoutes(deals: DealService, engine: DealEngine): Router {
  const router = Router();
  const dealId = (raw: unknown) => parseOrThrow(ZId, raw, "deal id");

  router.get("/processes", (_req, res) => {
    res.json({ processes: engine.describe() });
  });

  router.get("/deals", async (req, res) => {
    const user = requireUser(req);
    res.json(await deals.list(user, parseOrThrow(ZListDealsQuery, req.query, "query")));
  });

  router.get("/deals/:id", async (req, res) => {
    const user = requireUser(req);
    res.json({ deal: await deals.get(user, dealId(req.params.id)) });
  });

  router.get("/deals/:id/events", async (req, res) => {
    const user = requireUser(req);
    const query = parseOrThrow(ZDealEventsQuery, req.query, "query");
    res.json({ events: await deals.events(user, dealId(req.params.id), query) });
  });

  router.post("/deals/:id/transitions/:name", async (req, res) => {
    const user = requireUser(req);
    const id = dealId(req.params.id);
    const name = parseOrThrow(ZTransitionName, req.params.name, "transition");
    const params = parseOrThrow(ZTransitionParams, req.body ?? {}, "params");
    res.json({ deal: await deals.transition(user, id, name, params) });
  });

  return router;
}
