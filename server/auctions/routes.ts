import { Router } from "express";
import { z } from "zod";
import { ZPlaceBid } from "../../shared/auctions.js";
import { parseOrThrow } from "../../shared/errors.js";
import { requireUser } from "../http/authenticate.js";
import type { AuctionService } from "./service.js";

const ZItemId = z.uuid();

export function auctionRoutes(
  auctions: AuctionService,
  limitBids: (userId: string) => Promise<void>,
): Router {
  const router = Router();

  // 201 for a new bid and for a repeated `clientBidId` alike (the first bid's answer).
  router.post("/items/:id/bids", async (req, res) => {
    const user = requireUser(req);
    const itemId = parseOrThrow(ZItemId, req.params.id, "item id");
    const input = parseOrThrow(ZPlaceBid, req.body);
    await limitBids(user.id);
    res.status(201).json(await auctions.place(user, itemId, input));
  });

  return router;
}
