import { useEffect } from "react";
import { useNotifications } from "./notifications.js";

const COUNT = /^\(\d+\) /;

/**
 * Puts the number of unread notifications (the bell's) in front of the tab's title, "(3) Parley",
 * whichever page set the title (an item page names its item): the count is re-applied whenever the
 * title changes.
 */
export function useUnreadTitle(): void {
  const { unread: total } = useNotifications();
  useEffect(() => {
    const apply = () => {
      const base = document.title.replace(COUNT, "");
      const next = total > 0 ? `(${total}) ${base}` : base;
      if (document.title !== next) document.title = next;
    };
    apply();
    const title = document.querySelector("title");
    if (!title) return;
    const observer = new MutationObserver(apply);
    observer.observe(title, { childList: true, characterData: true, subtree: true });
    return () => observer.disconnect();
  }, [total]);
}
