import { type DestinationStream, pino } from "pino";
import type { Config } from "./config.js";

/** Structured logs. Anything that could carry a secret is redacted by path, wherever it appears. */
export function createLogger(level: Config["logLevel"], destination?: DestinationStream) {
  return pino(
    {
      level,
      redact: {
        paths: [
          "password",
          "*.password",
          "token",
          "*.token",
          "card",
          "*.card",
          "req.headers.authorization",
          'req.headers["stripe-signature"]',
          "err.config",
          "req.body",
          "body",
          "*.cvc",
          "*.number",
          "*.clientSecret",
          "headers.authorization",
          "*.headers.authorization",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
