import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { Notification } from "../../../shared/notifications.js";
import { api } from "../api/http.js";
import { useRealtime } from "./realtime.js";
import { usePath } from "./router.js";
import { useSession } from "./session.js";

type NotificationsState = {
  /** The latest notifications (first page), newest first, kept live. */
  recent: Notification[];
  unread: number;
  /** Changes with every live notification: pages that show related counts reload on it. */
  version: number;
  markRead(ids: string[] | "all"): Promise<void>;
};

const NotificationsContext = createContext<NotificationsState | null>(null);

/**
 * The signed-in user's notifications: the first page and the unread count over HTTP (again after every
 * reconnect), then live from `notification`. Opening a notification's link reads it: a notification
 * about the page on screen is read as it arrives.
 */
export function NotificationsProvider({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const { socket, epoch } = useRealtime();
  const path = usePath();
  const [recent, setRecent] = useState<Notification[]>([]);
  const [unread, setUnread] = useState(0);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (!user || epoch === 0) {
      setRecent([]);
      setUnread(0);
      return;
    }
    let cancelled = false;
    api.notifications().then(
      (page) => {
        if (cancelled) return;
        setRecent(page.notifications);
        setUnread(page.unread);
      },
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [user, epoch]);

  useEffect(() => {
    if (!socket) return;
    const onNotification = ({ notification, unread }: { notification: Notification; unread: number }) => {
      // A conversation's notice comes again, updated (same id): it moves to the top.
      setRecent((current) => [notification, ...current.filter((n) => n.id !== notification.id)]);
      setUnread(unread);
      setVersion((v) => v + 1);
    };
    socket.on("notification", onNotification);
    return () => {
      socket.off("notification", onNotification);
    };
  }, [socket]);

  const markRead = useCallback(async (ids: string[] | "all") => {
    if (ids !== "all" && ids.length === 0) return;
    const { unread } = await api.readNotifications(ids === "all" ? { all: true } : { ids });
    const now = new Date().toISOString();
    setRecent((current) =>
      current.map((n) =>
        n.readAt === null && (ids === "all" || ids.includes(n.id)) ? { ...n, readAt: now } : n,
      ),
    );
    setUnread(unread);
  }, []);

  // The page on screen reads the notifications that point at it.
  useEffect(() => {
    const here = recent.filter((n) => n.readAt === null && n.link === path).map((n) => n.id);
    if (here.length > 0) markRead(here).catch(() => {});
  }, [recent, path, markRead]);

  const value = useMemo<NotificationsState>(
    () => ({ recent, unread, version, markRead }),
    [recent, unread, version, markRead],
  );
  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}

export function useNotifications(): NotificationsState {
  const value = useContext(NotificationsContext);
  if (!value) throw new Error("useNotifications outside NotificationsProvider");
  return value;
}
