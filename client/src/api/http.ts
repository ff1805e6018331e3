import { z } from "zod";
import { ZBalanceResponse } from "../../../shared/balance.js";
import { ZCategoriesResponse } from "../../../shared/categories.js";
import {
  type CheckoutRequest,
  type CheckoutResponse,
  type OfferRequest,
  type ProcessList,
  type TransitionParams,
  ZCheckoutResponse,
  ZDealEventsResponse,
  ZDealPage,
  ZDealResponse,
  ZOfferList,
  ZProcessList,
} from "../../../shared/deals.js";
import { type FieldError, ZApiError, ZFieldError } from "../../../shared/errors.js";
import { ZItemEvent } from "../../../shared/events.js";
import {
  type CreateWebhookEndpointRequest,
  ZWebhookDeliveryList,
  ZWebhookDeliveryResponse,
  ZWebhookEndpointList,
  ZWebhookEndpointResponse,
} from "../../../shared/integrations.js";
import {
  type Condition,
  type CreateItemRequest,
  type Sort,
  type UpdateItemRequest,
  ZItem,
  ZItemPage,
  ZSellerListing,
} from "../../../shared/items.js";
import {
  type REPORT_STATUSES,
  type ReportRequest,
  ZAuditPage,
  ZModeratedUser,
  ZModeratorReport,
  ZReport,
} from "../../../shared/moderation.js";
import {
  type EmailPreferenceKey,
  type MarkReadRequest,
  ZConversationList,
  ZEmailSettings,
  ZNotificationsResponse,
  ZPreferences,
} from "../../../shared/notifications.js";
import { type Card, type PublicConfig, ZPaymentResponse, ZPublicConfig } from "../../../shared/payments.js";
import { type UpdateMeRequest, ZOwnProfile, ZProfile } from "../../../shared/profiles.js";
import {
  type CreateReviewRequest,
  ZDealReviews,
  ZReviewPage,
  ZReviewResponse,
} from "../../../shared/reviews.js";
import { ZMarkReadResponse, ZRoomList } from "../../../shared/rooms.js";
import { type CreateSavedSearchRequest, ZSavedSearch } from "../../../shared/saved-searches.js";
import { ZUploadResponse } from "../../../shared/uploads.js";
import {
  type LoginRequest,
  type RegisterRequest,
  ZAuthResponse,
  ZBecomeSellerResponse,
  ZSuspensionDetails,
  ZUser,
} from "../../../shared/users.js";

/** An API call that failed: the contract's error code and message, and the fields at fault for `bad_request`. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

export type ReportStatus = (typeof REPORT_STATUSES)[number];

export type ItemFilters = {
  q?: string;
  status?: "available" | "reserved" | "sold";
  minPrice?: number;
  maxPrice?: number;
  sellerId?: string;
  category?: string;
  /** A comma list of conditions, as the URL carries it. */
  condition?: string;
  tag?: string;
  sort?: Sort;
  cursor?: string;
  limit?: number;
};

export type { Condition };

type RequestOptions = {
  /** Another session's token than the current one (signing out after forgetting it locally). */
  token?: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  raw?: Blob;
};

const ZEmpty = z.object({});

/** The one typed HTTP client of the web app. Every response is parsed with the shared schemas. */
export class ApiClient {
  token: string | null = null;
  /** Called when the server says the session is over (revoked, expired, suspended: then with its reason). */
  onUnauthorized: ((notice: string | null) => void) | null = null;

  async #request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<z.infer<S>> {
    const headers: Record<string, string> = {};
    const token = options.token ?? this.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (options.raw) {
      body = options.raw;
      headers["content-type"] = options.raw.type;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== "") search.set(key, String(value));
    }
    const url = search.size > 0 ? `${path}?${search}` : path;
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body });
    } catch {
      throw new ApiRequestError(0, "network", "Can't reach Parley. Check your connection and try again.");
    }
    // 204 No Content (favourites, deletions) has no body to parse.
    const json: unknown = response.status === 204 ? {} : await response.json().catch(() => null);
    if (!response.ok) {
      const parsed = z.object({ error: ZApiError }).safeParse(json);
      const error = parsed.success
        ? parsed.data.error
        : { code: "internal", message: "Something went wrong", details: undefined };
      const fields = z.array(ZFieldError).safeParse(error.details);
      if (response.status === 401 && this.token) {
        this.onUnauthorized?.(ZSuspensionDetails.safeParse(error.details).success ? error.message : null);
      }
      throw new ApiRequestError(
        response.status,
        error.code,
        error.message,
        fields.success ? fields.data : [],
      );
    }
    return schema.parse(json);
  }

  register = (input: RegisterRequest) =>
    this.#request("POST", "/api/auth/register", ZAuthResponse, { body: input });
  login = (input: LoginRequest) => this.#request("POST", "/api/auth/login", ZAuthResponse, { body: input });
  logout = (token: string) => this.#request("POST", "/api/auth/logout", ZEmpty, { token });
  me = () => this.#request("GET", "/api/me", z.object({ user: ZUser }));
  /** A buyer becomes a seller: the user with role `seller` and a fresh token carrying it. */
  startSelling = () => this.#request("POST", "/api/me/selling", ZBecomeSellerResponse);

  listItems = (filters: ItemFilters) => this.#request("GET", "/api/items", ZItemPage, { query: filters });
  getItem = (id: string) => this.#request("GET", `/api/items/${id}`, z.object({ item: ZItem }));
  createItem = (input: CreateItemRequest) =>
    this.#request("POST", "/api/items", z.object({ item: ZItem }), { body: input });
  updateItem = (id: string, patch: UpdateItemRequest) =>
    this.#request("PATCH", `/api/items/${id}`, z.object({ item: ZItem }), { body: patch });
  events = (id: string, after: number, limit = 200) =>
    this.#request("GET", `/api/items/${id}/events`, z.object({ events: z.array(ZItemEvent) }), {
      query: { after, limit },
    });

  withdrawItem = (id: string) =>
    this.#request("POST", `/api/items/${id}/withdraw`, z.object({ item: ZItem }));
  relistItem = (id: string) => this.#request("POST", `/api/items/${id}/relist`, z.object({ item: ZItem }));
  myListings = () => this.#request("GET", "/api/me/items", z.object({ listings: z.array(ZSellerListing) }));

  #categories: Promise<z.infer<typeof ZCategoriesResponse>> | null = null;
  /** The category tree; shipped with the server, so it is asked once. */
  categories() {
    this.#categories ??= this.#request("GET", "/api/categories", ZCategoriesResponse).catch(
      (error: unknown) => {
        this.#categories = null;
        throw error;
      },
    );
    return this.#categories;
  }

  /** A user's public profile, by id or username. */
  profile = (idOrUsername: string) =>
    this.#request("GET", `/api/users/${encodeURIComponent(idOrUsername)}`, z.object({ user: ZProfile }));
  myProfile = () => this.#request("GET", "/api/me/profile", z.object({ user: ZOwnProfile }));
  updateMe = (patch: UpdateMeRequest) =>
    this.#request("PATCH", "/api/me", z.object({ user: ZOwnProfile }), { body: patch });

  favorites = () => this.#request("GET", "/api/me/favorites", z.object({ items: z.array(ZItem) }));
  addFavorite = (itemId: string) => this.#request("PUT", `/api/me/favorites/${itemId}`, ZEmpty);
  removeFavorite = (itemId: string) => this.#request("DELETE", `/api/me/favorites/${itemId}`, ZEmpty);

  savedSearches = () =>
    this.#request("GET", "/api/me/saved-searches", z.object({ savedSearches: z.array(ZSavedSearch) }));
  saveSearch = (input: CreateSavedSearchRequest) =>
    this.#request("POST", "/api/me/saved-searches", z.object({ savedSearch: ZSavedSearch }), { body: input });
  deleteSavedSearch = (id: string) => this.#request("DELETE", `/api/me/saved-searches/${id}`, ZEmpty);

  upload = (file: Blob) => this.#request("POST", "/api/uploads", ZUploadResponse, { raw: file });

  rooms = () => this.#request("GET", "/api/me/rooms", ZRoomList);

  notifications = (query: { unread?: boolean; cursor?: string } = {}) =>
    this.#request("GET", "/api/me/notifications", ZNotificationsResponse, {
      query: { unread: query.unread ? "true" : undefined, cursor: query.cursor },
    });
  readNotifications = (input: MarkReadRequest) =>
    this.#request("POST", "/api/me/notifications/read", z.object({ unread: z.int() }), { body: input });
  conversations = () => this.#request("GET", "/api/me/conversations", ZConversationList);
  preferences = () =>
    this.#request(
      "GET",
      "/api/me/preferences",
      z.object({ preferences: ZPreferences, email: ZEmailSettings }),
    );
  updatePreferences = (email: Partial<Record<EmailPreferenceKey, boolean>>) =>
    this.#request("PATCH", "/api/me/preferences", z.object({ preferences: ZPreferences }), {
      body: { email },
    });
  resendVerification = () => this.#request("POST", "/api/me/email/verification", ZEmpty);
  verifyEmail = (token: string) =>
    this.#request("POST", "/api/auth/verify-email", z.object({ user: ZOwnProfile }), { body: { token } });
  markRead = (itemId: string, seq: number) =>
    this.#request("POST", `/api/me/rooms/${itemId}/read`, ZMarkReadResponse, { body: { seq } });

  #config: Promise<PublicConfig> | null = null;
  /** The server's public configuration; it never changes while the server runs, so it is asked once. */
  config(): Promise<PublicConfig> {
    this.#config ??= this.#request("GET", "/api/config", ZPublicConfig).catch((error: unknown) => {
      this.#config = null;
      throw error;
    });
    return this.#config;
  }
  /**
   * Buy now: a `buy-now` deal, `reserved` for the caller, with its payment. `expectedPrice`: the price on
   * screen; the server refuses with `price_changed` if it is not the price now.
   */
  /** Buy now; `terms` are the units, the shipping option and its address (none: one unit, pickup). */
  checkout = (itemId: string, request: CheckoutRequest = {}): Promise<CheckoutResponse> =>
    this.#request("POST", `/api/items/${itemId}/checkout`, ZCheckoutResponse, { body: request });
  /** The buyer's payment; asking opens its charge if it was not opened yet (Stripe's client secret). */
  payment = (paymentId: string) => this.#request("GET", `/api/payments/${paymentId}`, ZPaymentResponse);
  confirmPayment = (paymentId: string, card: Card) =>
    this.#request("POST", `/api/payments/${paymentId}/confirm`, ZPaymentResponse, {
      body: { card },
    });
  cancelPayment = (paymentId: string) =>
    this.#request("POST", `/api/payments/${paymentId}/cancel`, ZPaymentResponse);

  // Offers: the deal then runs through `transition` like any other.
  makeOffer = (itemId: string, input: OfferRequest) =>
    this.#request("POST", `/api/items/${itemId}/offers`, ZDealResponse, { body: input });
  /** The item's open offers, best first (its seller only). */
  itemOffers = (itemId: string) => this.#request("GET", `/api/items/${itemId}/offers`, ZOfferList);
  /**
   * The caller's deals as buyer ("My purchases") or seller ("My sales"), newest activity first; without
   * a role, a moderator's answer holds every deal.
   */
  deals = (role: "buyer" | "seller" | undefined, cursor?: string, limit?: number, state?: string) =>
    this.#request("GET", "/api/deals", ZDealPage, { query: { role, cursor, limit, state } });
  deal = (id: string) => this.#request("GET", `/api/deals/${id}`, ZDealResponse);
  dealEvents = (id: string, after: number, limit = 200) =>
    this.#request("GET", `/api/deals/${id}/events`, ZDealEventsResponse, { query: { after, limit } });
  /** One of `deal.transitions`; the server checks the state, the actor and the params. */
  transition = (id: string, name: string, params: TransitionParams = {}) =>
    this.#request("POST", `/api/deals/${id}/transitions/${encodeURIComponent(name)}`, ZDealResponse, {
      body: params,
    });
  /** The deal's reviews the caller may see (blind ones only their own), the window, and `canReview`. */
  dealReviews = (dealId: string) => this.#request("GET", `/api/deals/${dealId}/reviews`, ZDealReviews);
  createReview = (dealId: string, input: CreateReviewRequest) =>
    this.#request("POST", `/api/deals/${dealId}/reviews`, ZReviewResponse, { body: input });
  /** Published reviews about a user, newest first. */
  userReviews = (userId: string, cursor?: string) =>
    this.#request("GET", `/api/users/${userId}/reviews`, ZReviewPage, { query: { cursor } });
  /** The caller's seller balance (pending, available, per currency) and its ledger entries, newest first. */
  balance = (cursor?: string) =>
    this.#request("GET", "/api/me/balance", ZBalanceResponse, { query: { cursor } });
  #processes: Promise<ProcessList> | null = null;
  /** Every process as data (states in their usual order, transitions); fixed while the server runs. */
  processes(): Promise<ProcessList> {
    this.#processes ??= this.#request("GET", "/api/processes", ZProcessList).catch((error: unknown) => {
      this.#processes = null;
      throw error;
    });
    return this.#processes;
  }

  /** Anyone signed in: a whole item, or one event of it when `seq` is given. */
  report = (input: ReportRequest) =>
    this.#request("POST", "/api/reports", z.object({ report: ZReport }), { body: input });

  // Moderators only; the server answers 403 to everyone else.
  reports = (status: ReportStatus) =>
    this.#request("GET", "/api/moderation/reports", z.object({ reports: z.array(ZModeratorReport) }), {
      query: { status },
    });
  resolveReport = (reportId: string, reason: string) =>
    this.#request(
      "POST",
      `/api/moderation/reports/${reportId}/resolve`,
      z.object({ report: ZModeratorReport }),
      {
        body: { reason },
      },
    );
  /** Answers the new `custom:moderation` event (which the room also receives live). */
  hideEvent = (itemId: string, seq: number, reason: string) =>
    this.#request(
      "POST",
      `/api/moderation/items/${itemId}/events/${seq}/hide`,
      z.object({ event: ZItemEvent }),
      {
        body: { reason },
      },
    );
  restoreEvent = (itemId: string, seq: number, reason: string) =>
    this.#request(
      "POST",
      `/api/moderation/items/${itemId}/events/${seq}/restore`,
      z.object({ event: ZItemEvent }),
      {
        body: { reason },
      },
    );
  removeItem = (itemId: string, reason: string) =>
    this.#request("POST", `/api/moderation/items/${itemId}/remove`, z.object({ item: ZItem }), {
      body: { reason },
    });
  suspendedUsers = () =>
    this.#request("GET", "/api/moderation/users", z.object({ users: z.array(ZModeratedUser) }), {
      query: { suspended: "true" },
    });
  suspendUser = (userId: string, reason: string) =>
    this.#request("POST", `/api/moderation/users/${userId}/suspend`, z.object({ user: ZModeratedUser }), {
      body: { reason },
    });
  reinstateUser = (userId: string, reason: string) =>
    this.#request("POST", `/api/moderation/users/${userId}/reinstate`, z.object({ user: ZModeratedUser }), {
      body: { reason },
    });
  audit = (cursor?: string) =>
    this.#request("GET", "/api/moderation/audit", ZAuditPage, { query: { cursor } });

  // Webhook endpoints (moderators; integrations use an API key).
  webhookEndpoints = () => this.#request("GET", "/api/webhook-endpoints", ZWebhookEndpointList);
  /** The answer carries the endpoint's signing secret, this once. */
  createWebhookEndpoint = (input: CreateWebhookEndpointRequest) =>
    this.#request("POST", "/api/webhook-endpoints", ZWebhookEndpointResponse, { body: input });
  deleteWebhookEndpoint = (id: string) => this.#request("DELETE", `/api/webhook-endpoints/${id}`, ZEmpty);
  enableWebhookEndpoint = (id: string) =>
    this.#request("POST", `/api/webhook-endpoints/${id}/enable`, ZWebhookEndpointResponse);
  webhookDeliveries = (id: string) =>
    this.#request("GET", `/api/webhook-endpoints/${id}/deliveries`, ZWebhookDeliveryList, {
      query: { limit: 20 },
    });
  resendWebhookDelivery = (id: string, deliveryId: string) =>
    this.#request(
      "POST",
      `/api/webhook-endpoints/${id}/deliveries/${deliveryId}/resend`,
      ZWebhookDeliveryResponse,
    );
}

export const api = new ApiClient();
