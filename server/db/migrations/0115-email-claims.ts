import type { Migration } from "./index.js";

export const emailClaims: Migration = {
  version: "0115-email-claims",
  statements: [
    // Emails are leased, no longer sent inside the claiming transaction: the mailer sets `claim` (its own
    // token) and `claimed_until` (past its SMTP timeouts) in a short transaction, sends with no transaction
    // open, then records the outcome only where the claim is still its own. A claim that ran out (a crash
    // mid-send) is any process's to take again.
    "alter table email_queue add column claim uuid",
    "alter table email_queue add column claimed_until timestamptz",
  ],
};
