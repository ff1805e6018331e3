import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { z } from "zod";
import { type AuthResponse, type User, ZUser } from "../../../shared/users.js";
import { api } from "../api/http.js";
import { askToSignIn } from "./router.js";

const STORAGE_KEY = "parley.session";
const ZStoredSession = z.object({ token: z.string(), user: ZUser });

type SessionState = {
  user: User | null;
  /** Why the user was signed out, when it was not their choice. */
  notice: string | null;
  signedIn(session: AuthResponse): void;
  signOut(): Promise<void>;
  /** The server ended the session (revoked, expired, suspended): forget it and say so, or say `notice`. */
  expire(notice?: string | null): void;
};

const SessionContext = createContext<SessionState | null>(null);

function readStored(): AuthResponse | null {
  try {
    const parsed = ZStoredSession.safeParse(JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null"));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The signed-in user, kept in localStorage so a reload keeps the session. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<AuthResponse | null>(() => {
    const stored = readStored();
    api.token = stored?.token ?? null;
    return stored;
  });
  const [notice, setNotice] = useState<string | null>(null);

  const forget = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    api.token = null;
    setSession(null);
  }, []);

  const expire = useCallback(
    (why?: string | null) => {
      forget();
      setNotice(why ?? "Your session ended. Please sign in again.");
      // A suspension's reason is shown where it can be read: the sign-in page (open pages stay signed out).
      if (why) askToSignIn();
    },
    [forget],
  );

  useEffect(() => {
    api.onUnauthorized = expire;
    return () => {
      api.onUnauthorized = null;
    };
  }, [expire]);

  // The stored user may have changed (display name) or been revoked since: ask once on start.
  useEffect(() => {
    if (!api.token) return;
    api.me().then(
      ({ user }) => {
        setSession((current) => {
          if (!current) return current;
          const next = { ...current, user };
          localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
          return next;
        });
      },
      () => {},
    );
  }, []);

  const value = useMemo<SessionState>(
    () => ({
      user: session?.user ?? null,
      notice,
      signedIn(next) {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
        api.token = next.token;
        setNotice(null);
        setSession(next);
      },
      async signOut() {
        // Forget first, so the socket closes as ours rather than looking like a revoked session.
        const token = api.token;
        forget();
        if (token) await api.logout(token).catch(() => {});
      },
      expire,
    }),
    [session, notice, forget, expire],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

/** The token of the current session, for the socket. */
export const currentToken = () => api.token;
