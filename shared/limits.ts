/** Limits both ends enforce; the server is the authority, the client mirrors them for inline errors. */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  /** argon2 hashes whatever it is given; a cap keeps a login from costing megabytes of hashing. */
  passwordMax: 200,
  displayNameMax: 64,
  titleMax: 120,
  descriptionMax: 5000,
  messageMax: 2000,
  clientMessageIdMax: 64,
  imageUrlMax: 2048,
  /** Largest price in minor units: 1,000,000.00 in a two-decimal currency. */
  priceMax: 100_000_000,
  itemsPageMax: 100,
  itemsPageDefault: 20,
  eventsPageMax: 200,
  eventsPageDefault: 100,
  searchQueryMax: 200,
  /** Words of a search that count; more are ignored, so a query's cost stays bounded. */
  searchTermsMax: 6,
  /** Longest word a search looks at; longer words are cut (no real word is longer). */
  searchWordMax: 40,
  imagesMax: 10,
  tagsMax: 10,
  tagMax: 32,
  specsMax: 20,
  specNameMax: 40,
  specValueMax: 200,
  quantityMax: 10_000,
  placeMax: 80,
  bioMax: 1000,
  emailMax: 254,
  savedSearchesMax: 50,
  savedSearchNameMax: 80,
  reasonMax: 1000,
  /** A shipment's carrier or tracking number. */
  shipmentFieldMax: 100,
  reportsPageMax: 100,
  reportsPageDefault: 50,
  auditPageMax: 100,
  auditPageDefault: 50,
  /** Events an `item:join` answers with at most: the latest ones; older pages over HTTP. */
  joinHistoryMax: 200,
  /** Item rooms one socket may be in at once. */
  roomsPerSocket: 20,
  /** `item:join`s one socket may make per minute. */
  joinsPerSocketPerMinute: 60,
  dealsPageMax: 100,
  dealsPageDefault: 20,
  /** A review's text. */
  reviewTextMax: 2000,
  reviewsPageMax: 50,
  reviewsPageDefault: 20,
  /** Ledger entries one `GET /api/me/balance` page lists. */
  ledgerPageMax: 100,
  ledgerPageDefault: 50,
  addressFieldMax: 200,
  /** Items a moderator's watch starts with, most recently active first. */
  watchItems: 50,
  /** Events shown on each side of a reported message. */
  reportContext: 3,
  /** JSON bodies and socket packets; larger ones are refused with 413 or a dropped connection. */
  bodyBytes: 64 * 1024,
} as const;

export const CURRENCIES = ["usd", "eur", "gbp"] as const;
