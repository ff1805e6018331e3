import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import { AppError } from "../../shared/errors.js";

/** Converts anything thrown into the contract's error shape; unexpected errors become `internal`, logged only here. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const appError = toAppError(error);
    if (appError.code === "internal")
      logger.error({ err: error, method: req.method, path: req.path }, "request failed");
    if (res.headersSent) return;
    res.status(appError.status).json({ error: appError.toJSON() });
  };
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new AppError("not_found", "No such endpoint"));
};

/** body-parser's own errors carry a `type`; everything else unknown is internal. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  if (type === "entity.too.large") return new AppError("payload_too_large", "The request body is too large");
  if (type === "entity.parse.failed")
    return new AppError("bad_request", "The request body is not valid JSON");
  if (type === "encoding.unsupported" || type === "charset.unsupported") {
    return new AppError("bad_request", "Unsupported body encoding");
  }
  // Any other client error the body parsers raise (a body that does not decompress, a truncated one).
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  if (expose === true && typeof status === "number" && status >= 400 && status < 500) {
    return new AppError("bad_request", "The request body could not be read");
  }
  return new AppError("internal", "Something went wrong on our side");
}
