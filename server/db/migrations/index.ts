import { init } from "./0001-init.js";
import { payments } from "./0002-payments.js";
import { moderation } from "./0003-moderation.js";
import { deals } from "./0010-deals.js";
import { dealTerms } from "./0011-deal-terms.js";
import { catalog } from "./0020-catalog.js";
import { suspensionReason } from "./0030-suspension-reason.js";
import { offers } from "./0060-offers.js";
import { auctions } from "./0070-auctions.js";
import { outboxReaders } from "./0075-outbox-readers.js";
import { refunds } from "./0080-refunds.js";
import { ledgerAndReviews } from "./0085-ledger-and-reviews.js";
import { notifications } from "./0090-notifications.js";
import { integrations } from "./0100-integrations.js";
import { nostr } from "./0105-nostr.js";
import { emailClaims } from "./0115-email-claims.js";
import { notificationsByConversation } from "./0120-notifications-by-conversation.js";

export type Migration = { version: string; statements: string[] };

/** Every migration, oldest first. A migration is never edited once it has landed: add a new one. */
export const migrations: Migration[] = [
  init,
  payments,
  moderation,
  deals,
  dealTerms,
  catalog,
  suspensionReason,
  offers,
  auctions,
  outboxReaders,
  refunds,
  ledgerAndReviews,
  notifications,
  integrations,
  nostr,
  emailClaims,
  notificationsByConversation,
];
