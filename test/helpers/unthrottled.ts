/**
 * Rate limits high enough never to trigger: load generators and tests sign up many users and send many
 * messages from one address. The limits themselves are tested in test/hardening.test.ts and the abuse suite.
 */
export const UNTHROTTLED_ENV = {
  RATE_LIMIT_SIGNIN_PER_ACCOUNT: "100000",
  RATE_LIMIT_SIGNIN_PER_ADDRESS: "100000",
  RATE_LIMIT_REGISTER_PER_ADDRESS: "100000",
  RATE_LIMIT_MESSAGES_PER_MINUTE: "100000",
  RATE_LIMIT_REPORTS_PER_HOUR: "100000",
  RATE_LIMIT_ITEM_WRITES_PER_HOUR: "100000",
  RATE_LIMIT_UPLOADS_PER_HOUR: "100000",
  SOCKETS_PER_USER: "100000",
  SOCKETS_PER_ADDRESS: "100000",
  SOCKET_EVENTS_PER_SECOND: "100000",
  RATE_LIMIT_SEARCHES_PER_MINUTE: "100000",
} as const;
