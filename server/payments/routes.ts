import { Router } from "express";
import { z } from "zod";
import { ZCheckoutRequest } from "../../shared/deals.js";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import { type PublicConfig, ZConfirmPaymentRequest } from "../../shared/payments.js";
import type { DealService } from "../deals/service.js";
import { requireUser } from "../http/authenticate.js";
import type { PaymentService } from "./service.js";

const ZId = z.uuid();

/** Checkout, the buyer's payment, and the public configuration the web app reads at start. */
export function paymentRoutes(
  payments: PaymentService,
  deals: DealService,
  publicConfig: PublicConfig,
): Router {
  const router = Router();

  router.get("/config", (_req, res) => {
    res.json(publicConfig);
  });

  // The contract's 201 either way: a new deal, or the buyer's own open one when they check out again.
  router.post("/items/:id/checkout", async (req, res) => {
    const user = requireUser(req);
    const itemId = parseOrThrow(ZId, req.params.id, "item id");
    const input = parseOrThrow(ZCheckoutRequest, req.body ?? {});
    // Items have one unit and no shipping options until the catalog adds them.
    if ((input.quantity ?? 1) !== 1)
      throw new AppError("not_available", "Only one unit of this item is for sale");
    if (input.shippingOptionId !== undefined || input.shippingAddress !== undefined) {
      throw new AppError("bad_request", "This item has no shipping options", [
        { path: "shippingOptionId", message: "No such shipping option" },
      ]);
    }
    const { payment, dealId } = await payments.checkout(user, itemId, input.expectedPrice);
    res.status(201).json({ payment, deal: await deals.get(user, dealId) });
  });

  router.get("/payments/:id", async (req, res) => {
    const user = requireUser(req);
    res.json({ payment: await payments.get(user, parseOrThrow(ZId, req.params.id, "payment id")) });
  });

  router.post("/payments/:id/confirm", async (req, res) => {
    const user = requireUser(req);
    const id = parseOrThrow(ZId, req.params.id, "payment id");
    const { card } = parseOrThrow(ZConfirmPaymentRequest, req.body);
    res.json({ payment: await payments.confirm(user, id, card) });
  });

  router.post("/payments/:id/cancel", async (req, res) => {
    const user = requireUser(req);
    res.json({ payment: await payments.cancel(user, parseOrThrow(ZId, req.params.id, "payment id")) });
  });

  return router;
}
