import { Router } from "express";
import { z } from "zod";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import { ZCreateReviewRequest, ZReviewsQuery } from "../../shared/reviews.js";
import type { Db } from "../db/db.js";
import { requireUser } from "../http/authenticate.js";
import type { ReviewService } from "./service.js";

const ZId = z.uuid();

/** Reviews: writing one (a party of a completed deal), a deal's (parties), a user's published ones (anyone). */
export function reviewRoutes(reviews: ReviewService, db: Db): Router {
  const router = Router();

  router.post("/deals/:id/reviews", async (req, res) => {
    const user = requireUser(req);
    const dealId = parseOrThrow(ZId, req.params.id, "deal id");
    const request = parseOrThrow(ZCreateReviewRequest, req.body);
    res.status(201).json({ review: await reviews.create(user, dealId, request) });
  });

  router.get("/deals/:id/reviews", async (req, res) => {
    const user = requireUser(req);
    res.json(await reviews.forDeal(user, parseOrThrow(ZId, req.params.id, "deal id")));
  });

  router.get("/users/:id/reviews", async (req, res) => {
    const userId = parseOrThrow(ZId, req.params.id, "user id");
    const query = parseOrThrow(ZReviewsQuery, req.query, "query");
    const [exists] = await db.query("select 1 from users where id = $1", [userId]);
    if (!exists) throw new AppError("not_found", "No such user");
    res.json(await reviews.aboutUser(userId, query));
  });

  return router;
}
