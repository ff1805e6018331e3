import { Router } from "express";
import { z } from "zod";
import { parseOrThrow } from "../../shared/errors.js";
import { ZCreateSavedSearchRequest } from "../../shared/saved-searches.js";
import { requireUser } from "../http/authenticate.js";
import type { SavedSearchService } from "./service.js";

const ZSavedSearchId = z.uuid();

export function savedSearchRoutes(savedSearches: SavedSearchService): Router {
  const router = Router();

  router.post("/me/saved-searches", async (req, res) => {
    const user = requireUser(req);
    const input = parseOrThrow(ZCreateSavedSearchRequest, req.body);
    res.status(201).json({ savedSearch: await savedSearches.create(user, input) });
  });

  router.get("/me/saved-searches", async (req, res) => {
    res.json({ savedSearches: await savedSearches.list(requireUser(req)) });
  });

  router.delete("/me/saved-searches/:id", async (req, res) => {
    const user = requireUser(req);
    await savedSearches.remove(user, parseOrThrow(ZSavedSearchId, req.params.id, "saved search id"));
    res.status(204).end();
  });

  return router;
}
