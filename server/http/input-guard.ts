import type { RequestHandler } from "express";
import { AppError } from "../../shared/errors.js";

/** No legitimate request nests deeper; zod would refuse it anyway, this only bounds the walk. */
const MAX_DEPTH = 32;

/**
 * Why `value` cannot be handed to the rest of the server, or null if it can: a string or key holding a NUL
 * (PostgreSQL text and jsonb refuse it) or a lone UTF-16 surrogate (not valid Unicode; jsonb refuses it),
 * or nesting deeper than any request needs. Iterative, so no input can exhaust the stack.
 */
export function unsafeInput(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current === "string") {
      const problem = unsafeString(current);
      if (problem) return problem;
      continue;
    }
    if (typeof current !== "object" || current === null) continue;
    if (depth >= MAX_DEPTH) return "The input is nested too deeply";
    for (const [key, child] of Object.entries(current)) {
      const problem = unsafeString(key);
      if (problem) return problem;
      stack.push([child, depth + 1]);
    }
  }
  return null;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unsafeString(text: string): string | null {
  if (text.includes("\u0000")) return "Text cannot contain NUL characters";
  if (LONE_SURROGATE.test(text)) return "Text must be valid Unicode";
  return null;
}

/** Refuses a request whose JSON body or query holds input no route could store (see `unsafeInput`). */
export const inputGuard: RequestHandler = (req, _res, next) => {
  const problem = unsafeInput(req.body) ?? unsafeInput(req.query);
  if (problem) throw new AppError("bad_request", problem);
  next();
};
