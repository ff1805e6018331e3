import type { Migration } from "./index.js";

export const notificationsByConversation: Migration = {
  version: "0120-notifications-by-conversation",
  statements: [
    // A room's unread notices, read by each batch of its messages to leave out the members who have one
    // (server/notifications/store.ts, notifyMembers): the unique index leads with the user.
    `create index notifications_unread_conversation on notifications (conversation)
       where read_at is null and conversation is not null`,
  ],
};
