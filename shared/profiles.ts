import { z } from "zod";
import { ZImageUrl, ZLocation } from "./items.js";
import { LIMITS } from "./limits.js";
import { ZUser } from "./users.js";

/** A user as anyone sees them on their page: the v1 user with their profile, rating and sales. */
export const ZProfile = ZUser.extend({
  bio: z.string(),
  avatarUrl: z.string().nullable(),
  location: z.object({ city: z.string().optional(), country: z.string().optional() }),
  /** Published reviews about the user: their average rating (1–5, two decimals; 0 with none) and count. */
  rating: z.object({ average: z.number(), count: z.int() }),
  /** Items this user has sold. */
  salesCount: z.int(),
  /** The key their listings are signed with on Nostr (hex), once the server has made one for them. */
  nostr: z.object({ pubkey: z.string() }).optional(),
});
export type Profile = z.infer<typeof ZProfile>;

/** The signed-in user's own profile: also their email, which nobody else sees. */
export const ZOwnProfile = ZProfile.extend({ email: z.string().nullable() });
export type OwnProfile = z.infer<typeof ZOwnProfile>;

export const ZUpdateMeRequest = z
  .strictObject({
    displayName: z
      .string({ error: "Enter a display name" })
      .trim()
      .min(1, "Enter a display name")
      .max(LIMITS.displayNameMax, `Keep the display name under ${LIMITS.displayNameMax} characters`),
    bio: z.string().trim().max(LIMITS.bioMax, `Keep the bio under ${LIMITS.bioMax} characters`),
    avatarUrl: ZImageUrl.nullable(),
    location: ZLocation,
    email: z
      .email({ error: "Enter an email address like name@example.com" })
      .max(LIMITS.emailMax, "That email address is too long")
      .nullable(),
  })
  .partial()
  .refine((value) => Object.keys(value).length > 0, { message: "Change at least one field" });
export type UpdateMeRequest = z.infer<typeof ZUpdateMeRequest>;
