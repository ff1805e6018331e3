import { Router } from "express";
import { z } from "zod";
import { type Deal, type OfferRequest, ZOfferRequest } from "../../shared/deals.js";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import type { User } from "../../shared/users.js";
import type { Db } from "../db/db.js";
import { requireUser } from "../http/authenticate.js";
import { authorOf, requireItem } from "../items/service.js";
import type { Timeline } from "../timeline/timeline.js";
import type { DealEngine } from "./engine.js";
import { presentDeal } from "./service.js";
import { getDeal, listOpenOffers } from "./store.js";

export type OfferService = ReturnType<typeof createOfferService>;

/** Making an offer (the offer process's start) and the seller's view of an item's open offers. */
export function createOfferService(deps: { db: Db; timeline: Timeline; engine: DealEngine }) {
  const { db, timeline, engine } = deps;

  return {
    /** Starts an offer deal; the buyer's note, if any, opens the deal's private thread after the offer. */
    async make(user: User, itemId: string, input: OfferRequest): Promise<Deal> {
      const { message, ...terms } = input;
      const deal = await timeline.write(itemId, async (write) => {
        const item = await requireItem(write.tx, itemId, true);
        const started = await engine.start(write, item, "offer", "offer", user, terms);
        if (message) {
          await write.appendToThread(started.id, {
            type: "text",
            author: authorOf(user),
            body: { text: message },
          });
        }
        return (await getDeal(write.tx, started.id)) ?? started;
      });
      return presentDeal(db, deal, user);
    },

    /** The item's open offers, to its seller (and moderators), the highest offer on the table first. */
    async open(user: User, itemId: string): Promise<Deal[]> {
      const item = await requireItem(db, itemId);
      if (item.seller.id !== user.id && user.role !== "moderator") {
        throw new AppError("forbidden", "Only the item's seller sees its offers");
      }
      const records = (
        await Promise.all((await listOpenOffers(db, itemId)).map((id) => getDeal(db, id)))
      ).filter((deal) => deal !== null);
      records.sort(
        (a, b) => (b.offer?.amount ?? 0) - (a.offer?.amount ?? 0) || a.createdAt.localeCompare(b.createdAt),
      );
      return Promise.all(records.map((record) => presentDeal(db, record, user)));
    },
  };
}

const ZId = z.uuid();

export function offerRoutes(offers: OfferService): Router {
  const router = Router();

  router.post("/items/:id/offers", async (req, res) => {
    const user = requireUser(req);
    const itemId = parseOrThrow(ZId, req.params.id, "item id");
    const input = parseOrThrow(ZOfferRequest, req.body ?? {}, "offer");
    res.status(201).json({ deal: await offers.make(user, itemId, input) });
  });

  router.get("/items/:id/offers", async (req, res) => {
    const user = requireUser(req);
    res.json({ deals: await offers.open(user, parseOrThrow(ZId, req.params.id, "item id")) });
  });

  return router;
}
