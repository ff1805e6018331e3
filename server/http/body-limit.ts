import type { Request, RequestHandler } from "express";
import { AppError } from "../../shared/errors.js";

/** How often a body still arriving is measured. */
const CHECK_MS = 100;
/** Headers and what the socket had already buffered when the request began: not the body's doing. */
const SLACK_BYTES = 64 * 1024;

/**
 * Refuses a body over its limit early: at once when `Content-Length` says so, and as soon as more than
 * the limit has arrived when it does not (chunked, or a lying length). The body parsers answer 413 only
 * after reading the whole body, which an endless body never ends. The refusal closes the connection, so
 * the rest is never read.
 */
export function bodyLimit(limitOf: (req: Request) => number): RequestHandler {
  return (req, res, next) => {
    const limit = limitOf(req);
    const refuse = () => {
      if (res.headersSent) {
        req.socket.destroy();
        return;
      }
      const error = new AppError("payload_too_large", "The request body is too large");
      res.status(error.status).set("Connection", "close").json({ error: error.toJSON() });
      // Give the answer a moment to leave, then stop reading whatever is still coming.
      res.once("finish", () => setTimeout(() => req.socket.destroy(), 200).unref());
    };
    const declared = Number(req.get("content-length") ?? Number.NaN);
    if (declared > limit) return refuse();
    if (req.complete || (!req.get("transfer-encoding") && !(declared > 0))) return next();

    const socket = req.socket;
    const start = socket.bytesRead;
    const timer = setInterval(() => {
      if (req.complete || socket.destroyed) return clearInterval(timer);
      if (socket.bytesRead - start > limit + SLACK_BYTES) {
        clearInterval(timer);
        refuse();
      }
    }, CHECK_MS);
    timer.unref();
    req.once("close", () => clearInterval(timer));
    next();
  };
}
