import { randomBytes } from "node:crypto";
import { mkdir, readdir, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../../shared/errors.js";
import { UPLOAD_TYPES, type UploadType } from "../../shared/uploads.js";
import type { User } from "../../shared/users.js";
import type { Db } from "../db/db.js";
import { listReferencedUploads } from "./store.js";

/** An upload no item refers to is deleted once it is this old: a day to finish the listing it was for. */
export const ORPHAN_AGE_MS = 24 * 3600 * 1000;

/** File extension per accepted image type; a stored name's extension decides the type it is served with. */
export const EXTENSIONS: Record<UploadType, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
};

/** The type each stored extension is served with. */
export const CONTENT_TYPES: Record<string, UploadType> = {
  png: "image/png",
  jpg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
};

/** Names this server generates: 32 hex characters and a known extension. Anything else is not ours. */
export const STORED_NAME = /^[a-f0-9]{32}\.(png|jpg|webp|gif)$/;

const startsWith = (bytes: Buffer, signature: number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** The image type the bytes really are (by their magic numbers), or null. */
export function sniffImageType(bytes: Buffer): UploadType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "image/gif";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  return null;
}

/**
 * Markup no image needs and a browser would run if it ever sniffed the file as HTML or SVG. Long enough
 * that compressed pixel data never contains one by chance.
 */
const MARKUP = /<(?:!doctype|html|head|body|script|iframe|svg|object|embed|meta|style|\?xml)[\s>/]/i;

/** Whether the bytes carry HTML, SVG or XML markup anywhere (an image header followed by a page). */
export const carriesMarkup = (bytes: Buffer) => MARKUP.test(bytes.toString("latin1"));

export type UploadService = ReturnType<typeof createUploadService>;

export function createUploadService(deps: { dataDir: string; db: Db }) {
  const dir = path.join(deps.dataDir, "uploads");

  return {
    dir,

    /**
     * Stores an image a seller uploads. The declared type must be an accepted image type and the bytes
     * must really be that type: a header alone proves nothing.
     */
    async store(user: User, declaredType: string | undefined, bytes: Buffer): Promise<{ url: string }> {
      if (user.role !== "seller") throw new AppError("forbidden", "Only sellers upload item images");
      const declared = (declaredType ?? "").split(";")[0]!.trim().toLowerCase();
      if (!(UPLOAD_TYPES as readonly string[]).includes(declared)) {
        throw new AppError("bad_request", "Upload a PNG, JPEG, WebP or GIF image", [
          { path: "file", message: "Upload a PNG, JPEG, WebP or GIF image" },
        ]);
      }
      if (bytes.length === 0) {
        throw new AppError("bad_request", "The file is empty", [
          { path: "file", message: "The file is empty" },
        ]);
      }
      const actual = sniffImageType(bytes);
      if (actual !== declared) {
        throw new AppError("bad_request", "The file is not the image it claims to be", [
          { path: "file", message: "The file is not a valid PNG, JPEG, WebP or GIF image" },
        ]);
      }
      if (carriesMarkup(bytes)) {
        throw new AppError("bad_request", "The file is not a plain image", [
          { path: "file", message: "The image carries web page markup; export it again as a plain image" },
        ]);
      }
      const name = `${randomBytes(16).toString("hex")}.${EXTENSIONS[actual]}`;
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, name), bytes, { flag: "wx" });
      return { url: `/uploads/${name}` };
    },

    /** Deletes stored images older than `ORPHAN_AGE_MS` that no item shows or showed; returns how many. */
    async sweepOrphans(now = Date.now()): Promise<number> {
      const names = await readdir(dir).catch(() => [] as string[]);
      if (names.length === 0) return 0;
      const referenced = await listReferencedUploads(deps.db);
      let deleted = 0;
      for (const name of names) {
        if (!STORED_NAME.test(name) || referenced.has(name)) continue;
        const file = path.join(dir, name);
        const { mtimeMs } = await stat(file);
        if (now - mtimeMs < ORPHAN_AGE_MS) continue;
        await unlink(file);
        deleted++;
      }
      return deleted;
    },
  };
}
