import { Router } from "express";
import { z } from "zod";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import type { OwnProfile, Profile } from "../../shared/profiles.js";
import { ZUpdateMeRequest } from "../../shared/profiles.js";
import type { Db } from "../db/db.js";
import { requireUser } from "../http/authenticate.js";
import { getProfile, updateProfile } from "./store.js";

const ZUserId = z.uuid();

/** Public profiles, and the signed-in user's own. */
export function profileRoutes(db: Db): Router {
  const router = Router();

  router.get("/users/:id", async (req, res) => {
    const profile = await getProfile(db, parseOrThrow(ZUserId, req.params.id, "user id"));
    if (!profile) throw new AppError("not_found", "No such user");
    const { email: _private, ...visible } = profile;
    res.json({ user: visible satisfies Profile });
  });

  router.patch("/me", async (req, res) => {
    const user = requireUser(req);
    const patch = parseOrThrow(ZUpdateMeRequest, req.body);
    await updateProfile(db, user.id, patch);
    const profile = await getProfile(db, user.id);
    res.json({ user: profile satisfies OwnProfile | null });
  });

  return router;
}
