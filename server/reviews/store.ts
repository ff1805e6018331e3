import { randomUUID } from "node:crypto";
import type { Review } from "../../shared/reviews.js";
import type { Queryable } from "../db/db.js";

type ReviewRow = {
  id: string;
  deal_id: string;
  author_id: string;
  author_username: string;
  subject_id: string;
  subject_username: string;
  role: Review["role"];
  rating: number;
  text: string;
  published_at: Date | null;
  created_at: Date;
  cursor_at: string | null;
};

const SELECT_REVIEWS = `
  select r.id, r.deal_id, r.author_id, a.username as author_username, r.subject_id,
         s.username as subject_username, r.role, r.rating, r.text, r.published_at, r.created_at,
         to_char(r.published_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
  from reviews r join users a on a.id = r.author_id join users s on s.id = r.subject_id`;

function toReview(row: ReviewRow): Review {
  return {
    id: row.id,
    dealId: row.deal_id,
    author: { id: row.author_id, username: row.author_username },
    subject: { id: row.subject_id, username: row.subject_username },
    role: row.role,
    rating: row.rating,
    text: row.text,
    publishedAt: row.published_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

export async function insertReview(
  q: Queryable,
  review: {
    dealId: string;
    authorId: string;
    subjectId: string;
    role: Review["role"];
    rating: number;
    text: string;
  },
): Promise<string> {
  const id = randomUUID();
  await q.query(
    `insert into reviews (id, deal_id, author_id, subject_id, role, rating, text)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [id, review.dealId, review.authorId, review.subjectId, review.role, review.rating, review.text],
  );
  return id;
}

/** The deal's reviews, the buyer's first. */
export async function listDealReviews(q: Queryable, dealId: string): Promise<Review[]> {
  const rows = await q.query<ReviewRow>(`${SELECT_REVIEWS} where r.deal_id = $1 order by r.role`, [dealId]);
  return rows.map(toReview);
}

/** Publishes the deal's blind reviews (all at one instant); returns those it published. */
export async function publishDealReviews(q: Queryable, dealId: string): Promise<Review[]> {
  const published = await q.query<{ id: string }>(
    "update reviews set published_at = now() where deal_id = $1 and published_at is null returning id",
    [dealId],
  );
  if (published.length === 0) return [];
  const ids = new Set(published.map((row) => row.id));
  return (await listDealReviews(q, dealId)).filter((review) => ids.has(review.id));
}

/** Published reviews about the user, newest first; the cursor is the last one's `publishedAt|id`. */
export async function listPublishedReviews(
  q: Queryable,
  subjectId: string,
  page: { limit: number; cursor?: { at: string; id: string } },
): Promise<{ reviews: Review[]; nextCursor: string | null }> {
  const rows = await q.query<ReviewRow>(
    `${SELECT_REVIEWS}
     where r.subject_id = $1 and r.published_at is not null
       and ($2::timestamptz is null or (r.published_at, r.id) < ($2::timestamptz, $3::uuid))
     order by r.published_at desc, r.id desc limit $4`,
    [subjectId, page.cursor?.at ?? null, page.cursor?.id ?? null, page.limit + 1],
  );
  const last = rows[page.limit - 1];
  return {
    reviews: rows.slice(0, page.limit).map(toReview),
    nextCursor: rows.length > page.limit && last ? `${last.cursor_at}|${last.id}` : null,
  };
}
