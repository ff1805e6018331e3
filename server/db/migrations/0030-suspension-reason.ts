import type { Migration } from "./index.js";

export const suspensionReason: Migration = {
  version: "0030-suspension-reason",
  statements: [
    // The moderator's reason, shown to the suspended user at sign-in and when their session ends; also lets
    // the console list who is suspended and why without reading the audit log.
    "alter table users add column suspended_reason text",
    `update users set suspended_reason = (
       select reason from audit_log
       where action = 'suspend' and target->>'userId' = users.id::text
       order by position desc limit 1)
     where suspended_at is not null`,
    "create index users_suspended on users (suspended_at) where suspended_at is not null",
  ],
};
