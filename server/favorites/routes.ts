import { Router } from "express";
import { z } from "zod";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import type { Db } from "../db/db.js";
import { requireUser } from "../http/authenticate.js";
import { getItem, listItemsByIds } from "../items/store.js";
import { addFavorite, listFavoriteIds, removeFavorite } from "./store.js";

const ZItemId = z.uuid();
/** How many favourites a person keeps; the oldest beyond it are not shown. */
const FAVORITES_MAX = 500;

/** A person's favourite items: a heart on the card, a list on the "Saved" page. */
export function favoriteRoutes(db: Db): Router {
  const router = Router();
  const itemId = (raw: unknown) => parseOrThrow(ZItemId, raw, "item id");

  router.put("/me/favorites/:itemId", async (req, res) => {
    const user = requireUser(req);
    const id = itemId(req.params.itemId);
    if (!(await getItem(db, id))) throw new AppError("not_found", "No such item");
    await addFavorite(db, user.id, id);
    res.status(204).end();
  });

  router.delete("/me/favorites/:itemId", async (req, res) => {
    const user = requireUser(req);
    await removeFavorite(db, user.id, itemId(req.params.itemId));
    res.status(204).end();
  });

  router.get("/me/favorites", async (req, res) => {
    const user = requireUser(req);
    const ids = await listFavoriteIds(db, user.id, FAVORITES_MAX);
    res.json({ items: await listItemsByIds(db, ids) });
  });

  return router;
}
