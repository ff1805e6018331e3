import type { OwnProfile, UpdateMeRequest } from "../../shared/profiles.js";
import type { Role } from "../../shared/users.js";
import type { Queryable } from "../db/db.js";
import { locationOf } from "../items/store.js";

type ProfileRow = {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  created_at: Date;
  bio: string;
  avatar_url: string | null;
  location_city: string | null;
  location_country: string | null;
  email: string | null;
  sales_count: number;
  nostr_pubkey: string | null;
  rating_average: number;
  rating_count: number;
};

/**
 * The user's profile with their email (the caller decides who may see it), or null; by id, or by
 * username for the seller pages' addresses (`/u/:username`).
 */
export async function getProfile(
  q: Queryable,
  id: string,
  by: "id" | "username" = "id",
): Promise<OwnProfile | null> {
  const [row] = await q.query<ProfileRow>(
    `select u.id, u.username, u.display_name, u.role, u.created_at, u.bio, u.avatar_url, u.location_city,
            u.location_country, u.email,
            (select count(*)::int from items i where i.seller_id = u.id and i.status = 'sold') as sales_count,
            k.pubkey as nostr_pubkey,
            coalesce(r.average, 0)::float8 as rating_average, coalesce(r.count, 0)::int as rating_count
     from users u
     left join nostr_keys k on k.user_id = u.id
     left join lateral (select round(avg(rating), 2) as average, count(*) as count from reviews
                        where subject_id = u.id and published_at is not null) r on true where ${by === "id" ? "u.id = $1::uuid" : "u.username = $1"}`,
    [id],
  );
  if (!row) return null;
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    bio: row.bio,
    avatarUrl: row.avatar_url,
    location: locationOf(row.location_city, row.location_country),
    // Over published reviews only: a blind review counts once it is shown.
    rating: { average: Number(row.rating_average), count: row.rating_count },
    salesCount: row.sales_count,
    ...(row.nostr_pubkey ? { nostr: { pubkey: row.nostr_pubkey } } : {}),
    email: row.email,
  };
}

/** Writes the fields present in `patch`; absent ones keep their value. */
export async function updateProfile(q: Queryable, id: string, patch: UpdateMeRequest): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (patch.displayName !== undefined) set("display_name", patch.displayName);
  if (patch.bio !== undefined) set("bio", patch.bio);
  if (patch.avatarUrl !== undefined) set("avatar_url", patch.avatarUrl);
  if (patch.location !== undefined) {
    set("location_city", patch.location.city || null);
    set("location_country", patch.location.country || null);
  }
  if (patch.email !== undefined) set("email", patch.email);
  await q.query(`update users set ${sets.join(", ")} where id = $1`, params);
}
