import { useEffect } from "react";
import { useUnread } from "./unread.js";

const COUNT = /^\(\d+\) /;

/**
 * Puts the number of unread messages in front of the tab's title, "(3) Parley", whichever page set the
 * title (an item page names its item): the count is re-applied whenever the title changes.
 */
export function useUnreadTitle(): void {
  const { counts } = useUnread();
  let total = 0;
  for (const count of counts.values()) total += count;
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
