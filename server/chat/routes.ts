import { Router } from "express";
import { z } from "zod";
import { parseOrThrow } from "../../shared/errors.js";
import { ZMarkReadRequest } from "../../shared/rooms.js";
import { requireUser } from "../http/authenticate.js";
import type { RoomService } from "./rooms.js";

const ZItemId = z.uuid();

/** The signed-in user's rooms and read marks. */
export function roomRoutes(rooms: RoomService): Router {
  const router = Router();

  router.get("/me/rooms", async (req, res) => {
    res.json({ rooms: await rooms.list(requireUser(req)) });
  });

  router.post("/me/rooms/:itemId/read", async (req, res) => {
    const user = requireUser(req);
    const itemId = parseOrThrow(ZItemId, req.params.itemId, "item id");
    const { seq } = parseOrThrow(ZMarkReadRequest, req.body);
    res.json(await rooms.markRead(user, itemId, seq));
  });

  return router;
}
