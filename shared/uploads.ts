import { z } from "zod";

/** Image types a seller may upload; the server checks the bytes, not just the declared type. */
export const UPLOAD_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;
export type UploadType = (typeof UPLOAD_TYPES)[number];

/** Largest upload: 5 MB. */
export const UPLOAD_MAX_BYTES = 5 * 1024 * 1024;

export const ZUploadResponse = z.object({ url: z.string().regex(/^\/uploads\/[A-Za-z0-9._-]+$/) });
export type UploadResponse = z.infer<typeof ZUploadResponse>;
