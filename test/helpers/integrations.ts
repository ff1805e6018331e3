import { createApiKey } from "../../server/integrations/api-keys.js";
import type { FeedEvent, FeedPage } from "../../shared/integrations.js";
import { call } from "./http.js";
import type { TestServer } from "./server.js";

/** An API key made as `npm run apikey:create` makes one (the scripts themselves are tested in the cluster test). */
export async function makeApiKey(server: TestServer, name = "test"): Promise<string> {
  return (await createApiKey(server.db, name)).key;
}

/** One feed page, failing the test on any status but 200. */
export async function feedPage(url: string, key: string, query: string): Promise<FeedPage> {
  const { status, body } = await call<FeedPage>(url, "GET", `/api/feed?${query}`, { token: key });
  if (status !== 200) throw new Error(`feed read failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Every event after `after`, page by page, as an integration polls; with the position to go on from. */
export async function readFeed(
  url: string,
  key: string,
  options: { after?: number; types?: string; limit?: number } = {},
): Promise<{ events: FeedEvent[]; after: number }> {
  let after = options.after ?? 0;
  const events: FeedEvent[] = [];
  for (;;) {
    const types = options.types ? `&types=${encodeURIComponent(options.types)}` : "";
    const page = await feedPage(url, key, `after=${after}&limit=${options.limit ?? 100}${types}`);
    events.push(...page.events);
    if (page.nextAfter === after) return { events, after };
    after = page.nextAfter;
  }
}
