import { createContext, type ReactNode, useContext, useEffect, useState } from "react";
import { suspensionMessage, ZSuspensionDetails } from "../../../shared/users.js";
import { openSocket, type ParleySocket } from "../api/socket.js";
import { currentToken, useSession } from "./session.js";

type ConnectionStatus = "connecting" | "connected" | "reconnecting";

type RealtimeState = {
  socket: ParleySocket | null;
  status: ConnectionStatus;
  /** Counts connections: it changes on every (re)connect, which is when rooms rejoin. */
  epoch: number;
};

const RealtimeContext = createContext<RealtimeState>({ socket: null, status: "connecting", epoch: 0 });

/**
 * One socket per session, reconnecting on its own; signed out it is anonymous (it reads rooms and the
 * marketplace feed). Its status drives the "Reconnecting…" banner.
 */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const { user, expire } = useSession();
  const [state, setState] = useState<RealtimeState>({ socket: null, status: "connecting", epoch: 0 });
  const userId = user?.id;

  useEffect(() => {
    const token = userId ? currentToken() : null;
    const socket = openSocket(token);
    setState({ socket, status: "connecting", epoch: 0 });
    socket.on("connect", () => setState((s) => ({ socket, status: "connected", epoch: s.epoch + 1 })));
    socket.on("disconnect", (reason) => {
      setState((s) => ({ ...s, status: "reconnecting" }));
      // The server hung up on purpose (a sign-out elsewhere): try once more; a revoked token ends it.
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", (error) => {
      if (error.message === "unauthorized" && token) {
        socket.close();
        // A suspended user's own token is told why.
        const suspended = ZSuspensionDetails.safeParse((error as { data?: unknown }).data);
        expire(suspended.success ? suspensionMessage(suspended.data.suspension.reason) : null);
        return;
      }
      setState((s) => ({ ...s, status: s.epoch === 0 ? "connecting" : "reconnecting" }));
    });
    return () => {
      socket.removeAllListeners();
      socket.close();
    };
  }, [userId, expire]);

  return <RealtimeContext.Provider value={state}>{children}</RealtimeContext.Provider>;
}

export const useRealtime = () => useContext(RealtimeContext);
