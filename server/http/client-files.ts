import { statSync } from "node:fs";
import path from "node:path";
import { type Request, type Response, Router } from "express";

/** Vite names these by their content hash: a new build means new names, so they may be cached for good. */
const HASHED = /^\/assets\//;
const IMMUTABLE = "public, max-age=31536000, immutable";
const ENCODINGS = [
  { name: "br", suffix: ".br" },
  { name: "gzip", suffix: ".gz" },
] as const;

/**
 * The built web app: each file compressed as the build wrote it (`.br`, `.gz`; see vite.config.ts) when the
 * browser accepts it, hashed assets cached for a year as immutable, `index.html` revalidated every time (it
 * names the current assets). Every other GET outside the API is the app's own route and gets `index.html`.
 */
export function clientFiles(clientDir: string): Router {
  const root = path.resolve(clientDir);
  const index = path.join(root, "index.html");
  // The build does not change while the server runs: remember what exists.
  const known = new Map<string, boolean>();
  const isFile = (file: string) => {
    let found = known.get(file);
    if (found === undefined) {
      try {
        found = statSync(file).isFile();
      } catch {
        found = false;
      }
      known.set(file, found);
    }
    return found;
  };

  const send = (req: Request, res: Response, file: string, cacheControl: string) => {
    res.type(path.extname(file));
    res.vary("Accept-Encoding");
    // Brotli when accepted at all (it is the smaller), then gzip; negotiation by q-value alone would pick
    // whichever the browser happened to list first.
    const encoding = ENCODINGS.find(
      (e) => isFile(file + e.suffix) && req.acceptsEncodings(e.name) === e.name,
    );
    if (encoding) res.set("Content-Encoding", encoding.name);
    res.sendFile(encoding ? file + encoding.suffix : file, {
      cacheControl: false,
      headers: { "Cache-Control": cacheControl },
    });
  };

  const router = Router();
  router.get(/^\/(?!api\/|socket\.io\/|uploads\/).*/, (req, res, next) => {
    let wanted: string;
    try {
      wanted = path.resolve(root, `.${decodeURIComponent(req.path)}`);
    } catch {
      return next();
    }
    if (wanted.startsWith(root + path.sep) && wanted !== index && isFile(wanted)) {
      return send(req, res, wanted, HASHED.test(req.path) ? IMMUTABLE : "public, max-age=3600");
    }
    // A missing asset is a 404, never the page in its place.
    if (HASHED.test(req.path)) return next();
    send(req, res, index, "no-cache");
  });
  return router;
}
