import type { AuthResponse } from "../../shared/users.js";
import { uniqueName } from "../factories.js";
import { call } from "./http.js";
import type { TestServer } from "./server.js";

/** A moderator, created the way an operator does (never self-registered), then signed in. */
export async function createModerator(server: TestServer): Promise<AuthResponse> {
  const username = uniqueName("mod");
  const password = "moderator pass phrase";
  await server.app.services.auth.createUser({ username, password, role: "moderator" });
  const { status, body } = await call<AuthResponse>(server.url, "POST", "/api/auth/login", {
    body: { username, password },
  });
  if (status !== 200) throw new Error(`moderator sign-in failed: ${status}`);
  return body;
}
