import type { ItemEvent } from "../../shared/events.js";
import type { User } from "../../shared/users.js";

/** Who may do what in moderation. */
export const moderationPolicy = {
  /** Every moderation route and `moderation:watch`. */
  moderate: (user: Pick<User, "role">) => user.role === "moderator",
  /** Sees hidden events as they were written, with the reason. */
  seeHidden: (viewer: Pick<User, "role"> | null) => viewer?.role === "moderator",
  /** Any signed-in user reports an item or one of its events. */
  report: (_user: User) => true,
  /** A moderator's message speaks for the marketplace: it is not reported to the moderators themselves. */
  reportEvent: (event: Pick<ItemEvent, "author">) => event.author?.role !== "moderator",
  /**
   * Moderators suspend sellers and buyers, never another moderator (nor themselves): moderators are
   * appointed by an operator, and one of them must not be able to lock the others out.
   */
  suspend: (_moderator: User, target: Pick<User, "role">) => target.role !== "moderator",
  /**
   * Only people's words are hidden: chat messages. An item's details are taken down by removing the item;
   * system events (payments, moderation) are the marketplace's own record.
   */
  hide: (event: Pick<ItemEvent, "type">) => event.type === "text",
};
