import path from "node:path";
import express, { Router } from "express";
import { UPLOAD_MAX_BYTES } from "../../shared/uploads.js";
import { requireUser } from "../http/authenticate.js";
import { CONTENT_TYPES, STORED_NAME, type UploadService } from "./service.js";

/** `POST /api/uploads`: the raw image as the body, its type as Content-Type. Mounted under `/api`. */
export function uploadRoutes(uploads: UploadService): Router {
  const router = Router();
  router.post(
    "/uploads",
    (req, _res, next) => {
      // Refuse strangers before reading megabytes of their body.
      requireUser(req);
      next();
    },
    express.raw({ type: () => true, limit: UPLOAD_MAX_BYTES }),
    async (req, res) => {
      const user = requireUser(req);
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      res.status(201).json(await uploads.store(user, req.get("content-type"), bytes));
    },
  );
  return router;
}

/** `GET /uploads/<name>`: stored images, with their real type and no sniffing. Mounted at the root. */
export function uploadFiles(uploads: UploadService): Router {
  const router = Router();
  router.get("/uploads/:name", (req, res, next) => {
    const name = req.params.name;
    const ext = name.split(".").pop() ?? "";
    const type = CONTENT_TYPES[ext];
    if (!STORED_NAME.test(name) || !type) return next();
    res.set({
      "Content-Type": type,
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'",
      "Cache-Control": "public, max-age=31536000, immutable",
    });
    res.sendFile(path.join(uploads.dir, name), { headers: { "Content-Type": type } }, (error) => {
      if (error && !res.headersSent) next();
    });
  });
  return router;
}
