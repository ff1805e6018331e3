import type { RequestHandler } from "express";
import type { Logger } from "pino";

/**
 * One structured line per request: method, path (never the query string), status, time, user id. Never a
 * body or a header: passwords, tokens and card numbers travel only there.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on("finish", () => {
      logger.info(
        {
          method: req.method,
          path: req.originalUrl.split("?")[0],
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          userId: req.user?.id,
          ip: req.ip,
        },
        "request",
      );
    });
    next();
  };
}
