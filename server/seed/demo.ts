import { randomUUID } from "node:crypto";
import type { CreateItemRequest } from "../../shared/items.js";
import type { User } from "../../shared/users.js";
import type { AuthService } from "../auth/service.js";
import { findUserByUsername, toUser } from "../auth/store.js";
import type { ChatService } from "../chat/service.js";
import type { Db } from "../db/db.js";
import type { ItemService } from "../items/service.js";

export const DEMO_PASSWORD = "parley-demo";

const PEOPLE = [
  { username: "maria", displayName: "Maria's Workshop", role: "seller" },
  { username: "tom", displayName: "Tom R.", role: "seller" },
  { username: "alex", displayName: "Alex", role: "buyer" },
  { username: "sam", displayName: "Sam K.", role: "buyer" },
] as const;

const ITEMS: (CreateItemRequest & { seller: string; chat?: [string, string][] })[] = [
  {
    seller: "maria",
    title: "Hand-thrown stoneware mug",
    description: "Glazed in sea green, holds 350 ml. Dishwasher safe.",
    price: { amount: 2800, currency: "usd" },
    category: "home/kitchen",
    condition: "new",
    tags: ["handmade", "ceramic"],
    location: { city: "Lisbon", country: "Portugal" },
    chat: [
      ["alex", "Hi! Is the glaze food safe?"],
      ["maria", "Yes, lead-free and fired to cone 6."],
    ],
  },
  {
    seller: "maria",
    title: "Walnut serving board",
    description: "Oiled black walnut, 45 × 20 cm, with juice groove.",
    price: { amount: 6500, currency: "usd" },
    category: "home/kitchen",
    condition: "new",
    tags: ["handmade", "wood"],
    location: { city: "Lisbon", country: "Portugal" },
  },
  {
    seller: "tom",
    title: "Vintage road bike",
    description: "1984 steel frame, 56 cm, new tyres and bar tape. Pick-up only.",
    price: { amount: 42_000, currency: "usd" },
    category: "sports/bicycles",
    condition: "good",
    tags: ["steel", "road"],
    specs: [
      ["Frame", "56 cm steel"],
      ["Year", "1984"],
    ],
    location: { city: "Porto", country: "Portugal" },
    offers: { enabled: true, minAmount: { amount: 35_000, currency: "usd" } },
    chat: [
      ["sam", "Would you ship it?"],
      ["tom", "Sorry, pick-up only — it's a big box."],
      ["alex", "What's the groupset?"],
    ],
  },
  {
    seller: "tom",
    title: "Film camera, 50 mm lens",
    description: "Fully mechanical, light seals replaced last year.",
    price: { amount: 18_500, currency: "usd" },
    category: "electronics/cameras",
    condition: "good",
    tags: ["film", "35mm"],
    location: { city: "Porto", country: "Portugal" },
  },
  {
    seller: "tom",
    title: "Mid-century desk lamp",
    description: "Brass and enamel, rewired with a fabric cable.",
    price: { amount: 9000, currency: "usd" },
    category: "home/lighting",
    condition: "like_new",
    tags: ["vintage", "brass"],
    location: { city: "Porto", country: "Portugal" },
    shippingOptions: [{ id: "post", name: "Tracked post", cost: { amount: 1500, currency: "usd" } }],
  },
];

/**
 * Creates the demo people, items and chats that do not exist yet, through the services of the process that
 * holds the database (the running server's, so its screens see them live, or a script's own).
 */
export async function seedDemo(deps: {
  db: Db;
  auth: AuthService;
  items: ItemService;
  chat: ChatService;
}): Promise<string> {
  const { db, auth, items, chat } = deps;

  const users = new Map<string, User>();
  for (const person of PEOPLE) {
    const existing = await findUserByUsername(db, person.username);
    users.set(
      person.username,
      existing ? toUser(existing) : toUser(await auth.createUser({ ...person, password: DEMO_PASSWORD })),
    );
  }
  let created = 0;
  for (const { seller, chat: lines, ...details } of ITEMS) {
    const owner = users.get(seller)!;
    const page = await items.list({ sellerId: owner.id, limit: 100, sort: "newest" });
    if (page.items.some((item) => item.title === details.title)) continue;
    const item = await items.create(owner, details);
    for (const [who, text] of lines ?? []) {
      await chat.send(users.get(who)!, { itemId: item.id, text, clientMessageId: randomUUID() });
    }
    created++;
  }
  const names = PEOPLE.map((person) => `${person.username} (${person.role})`).join(", ");
  return `Seeded ${created} new items. Sign in as ${names} with the password "${DEMO_PASSWORD}".`;
}
