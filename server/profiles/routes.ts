import { Router } from "express";
import { z } from "zod";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import type { OwnProfile, Profile } from "../../shared/profiles.js";
import { ZUpdateMeRequest } from "../../shared/profiles.js";
import { ZUsername } from "../../shared/users.js";
import type { Db } from "../db/db.js";
import { requireUser } from "../http/authenticate.js";
import { EMAIL_VERIFICATION } from "../notifications/reader.js";
import { writeOutbox } from "../outbox/outbox.js";
import { getProfile, updateProfile } from "./store.js";

/** A user id, or a username (an extension: seller pages are addressed by username). */
const ZUserRef = z.union([
  z.uuid().transform((id) => ({ by: "id" as const, value: id })),
  ZUsername.transform((username) => ({ by: "username" as const, value: username })),
]);

/** Public profiles, and the signed-in user's own. */
export function profileRoutes(db: Db, drainOutbox: () => Promise<void>): Router {
  const router = Router();

  router.get("/users/:id", async (req, res) => {
    const ref = parseOrThrow(ZUserRef, req.params.id, "user id");
    const profile = await getProfile(db, ref.value, ref.by);
    if (!profile) throw new AppError("not_found", "No such user");
    const { email: _private, ...visible } = profile;
    res.json({ user: visible satisfies Profile });
  });

  /** The signed-in user's own profile, email included (an extension, for the profile form). */
  router.get("/me/profile", async (req, res) => {
    const profile = await getProfile(db, requireUser(req).id);
    res.json({ user: profile satisfies OwnProfile | null });
  });

  router.patch("/me", async (req, res) => {
    const user = requireUser(req);
    const patch = parseOrThrow(ZUpdateMeRequest, req.body);
    const verify = await db.transaction(async (tx) => {
      const [before] = await tx.query<{ email: string | null }>(
        "select email from users where id = $1 for update",
        [user.id],
      );
      await updateProfile(tx, user.id, patch);
      if (patch.email === undefined || patch.email === before?.email) return false;
      // A new address is unverified until its link is followed; the link leaves through the outbox.
      await tx.query("update users set email_verified_at = null where id = $1", [user.id]);
      if (patch.email === null) return false;
      await writeOutbox(tx, {
        type: EMAIL_VERIFICATION,
        resource: { type: "user", id: user.id },
        data: { userId: user.id },
      });
      return true;
    });
    if (verify) void drainOutbox();
    const profile = await getProfile(db, user.id);
    res.json({ user: profile satisfies OwnProfile | null });
  });

  return router;
}
