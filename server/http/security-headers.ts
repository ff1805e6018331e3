import type { IncomingMessage } from "node:http";
import helmet from "helmet";

/** A Host header we can safely echo into a policy: a hostname or address and an optional port. */
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** The socket's own origin as ws(s):, for browsers that do not yet count it under 'self'. */
function sameOriginWebSocket(req: IncomingMessage): string {
  const host = req.headers.host;
  if (!host || !SAFE_HOST.test(host)) return "'self'";
  const encrypted = "encrypted" in req.socket && req.socket.encrypted === true;
  return `${encrypted ? "wss" : "ws"}://${host}`;
}

/**
 * Helmet's headers, with a content security policy that the Vite-built web app served from this origin
 * passes: scripts, styles and connections from this origin only (plus its WebSocket), images from here,
 * data: URLs and any https: host (sellers link their pictures), and Stripe's script and frames only when
 * Stripe is configured. No `upgrade-insecure-requests`: a plain-http deployment (localhost, a LAN address)
 * would have its own assets rewritten to https and fail to load.
 */
export function securityHeaders(options: { stripe: boolean }) {
  const stripeScript = options.stripe ? ["https://js.stripe.com"] : [];
  const stripeFrames = options.stripe ? ["https://js.stripe.com", "https://hooks.stripe.com"] : [];
  const stripeApi = options.stripe ? ["https://api.stripe.com"] : [];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...stripeScript],
        connectSrc: ["'self'", (req) => sameOriginWebSocket(req), ...stripeApi],
        imgSrc: ["'self'", "data:", "blob:", "https:"],
        frameSrc: stripeFrames.length > 0 ? stripeFrames : ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
  });
}
