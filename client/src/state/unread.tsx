import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import type { Room } from "../../../shared/rooms.js";
import { api } from "../api/http.js";
import { useRealtime } from "./realtime.js";
import { useSession } from "./session.js";

type UnreadState = {
  /** Unread events per joined item. */
  counts: ReadonlyMap<string, number>;
  rooms: Room[];
  /** The room on screen: its activity is read as it arrives. */
  setOpenRoom(itemId: string | null): void;
};

const UnreadContext = createContext<UnreadState | null>(null);

/** Unread counts for the rooms the user has joined: loaded over HTTP, then kept live by `room:activity`. */
export function UnreadProvider({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const { socket, epoch } = useRealtime();
  const [rooms, setRooms] = useState<Room[]>([]);
  const [counts, setCounts] = useState<Map<string, number>>(new Map());
  const openRoom = useRef<string | null>(null);

  // (Re)load on sign-in and after every reconnect, when live activity may have been missed.
  useEffect(() => {
    if (!user || epoch === 0) return;
    let cancelled = false;
    api.rooms().then(
      ({ rooms }) => {
        if (cancelled) return;
        setRooms(rooms);
        setCounts(
          new Map(rooms.map((room) => [room.item.id, room.item.id === openRoom.current ? 0 : room.unread])),
        );
      },
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [user, epoch]);

  useEffect(() => {
    if (!socket) return;
    const onActivity = ({ itemId }: { itemId: string }) => {
      if (itemId === openRoom.current) return;
      setCounts((current) => new Map(current).set(itemId, (current.get(itemId) ?? 0) + 1));
    };
    socket.on("room:activity", onActivity);
    return () => {
      socket.off("room:activity", onActivity);
    };
  }, [socket]);

  // The open room's count is 0 from here on: its activity is skipped above and reloads zero it.
  const setOpenRoom = useCallback((itemId: string | null) => {
    openRoom.current = itemId;
    if (itemId) setCounts((current) => (current.get(itemId) ? new Map(current).set(itemId, 0) : current));
  }, []);

  // The callback is stable: a room's effects depend on it and must not rerun when counts change.
  const value = useMemo<UnreadState>(() => ({ counts, rooms, setOpenRoom }), [counts, rooms, setOpenRoom]);
  return <UnreadContext.Provider value={value}>{children}</UnreadContext.Provider>;
}

export function useUnread(): UnreadState {
  const value = useContext(UnreadContext);
  if (!value) throw new Error("useUnread outside UnreadProvider");
  return value;
}
