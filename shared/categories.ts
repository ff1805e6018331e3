import { z } from "zod";

export const ZCategory = z.object({ id: z.string(), name: z.string(), parentId: z.string().nullable() });
export type Category = z.infer<typeof ZCategory>;

export const ZCategoriesResponse = z.object({ categories: z.array(ZCategory) });

/** The second-hand tree: top level, then `parent/child` ids. Shipped as data; ids never change once used. */
const TREE: Record<string, { name: string; children: Record<string, string> }> = {
  furniture: {
    name: "Furniture",
    children: {
      tables: "Tables",
      chairs: "Chairs",
      sofas: "Sofas",
      beds: "Beds",
      storage: "Storage",
      desks: "Desks",
    },
  },
  electronics: {
    name: "Electronics",
    children: {
      phones: "Phones",
      computers: "Computers",
      audio: "Audio",
      cameras: "Cameras",
      tv: "TV and video",
      gaming: "Gaming",
    },
  },
  clothing: {
    name: "Clothing",
    children: { women: "Women", men: "Men", shoes: "Shoes", bags: "Bags and accessories" },
  },
  books: {
    name: "Books",
    children: { fiction: "Fiction", nonfiction: "Non-fiction", comics: "Comics", textbooks: "Textbooks" },
  },
  sports: {
    name: "Sports",
    children: {
      bicycles: "Bicycles",
      fitness: "Fitness",
      outdoor: "Outdoor and camping",
      winter: "Winter sports",
    },
  },
  home: {
    name: "Home",
    children: { kitchen: "Kitchen", decor: "Decor", garden: "Garden", tools: "Tools", lighting: "Lighting" },
  },
  kids: {
    name: "Kids",
    children: { toys: "Toys", "baby-gear": "Baby gear", "kids-clothing": "Kids' clothing" },
  },
  "vehicle-parts": {
    name: "Vehicle parts",
    children: {
      "car-parts": "Car parts",
      "bike-parts": "Bike parts",
      "motorcycle-parts": "Motorcycle parts",
    },
  },
  collectibles: {
    name: "Collectibles",
    children: { art: "Art", coins: "Coins and stamps", vinyl: "Records", antiques: "Antiques" },
  },
  other: { name: "Other", children: {} },
};

/** Every category, parents before their children. */
export const CATEGORIES: Category[] = Object.entries(TREE).flatMap(([id, { name, children }]) => [
  { id, name, parentId: null },
  ...Object.entries(children).map(([childId, childName]) => ({
    id: `${id}/${childId}`,
    name: childName,
    parentId: id,
  })),
]);

const BY_ID = new Map(CATEGORIES.map((category) => [category.id, category]));

export const isCategory = (id: string) => BY_ID.has(id);

export const categoryName = (id: string) => BY_ID.get(id)?.name ?? id;

/** The category and its subcategories: what a filter on `id` matches. */
export const categoryWithChildren = (id: string): string[] => [
  id,
  ...CATEGORIES.filter((category) => category.parentId === id).map((category) => category.id),
];

/** The category and its parents, nearest first: what a saved search on any of them matches. */
export function categoryWithParents(id: string): string[] {
  const chain: string[] = [];
  for (
    let current = BY_ID.get(id);
    current;
    current = current.parentId ? BY_ID.get(current.parentId) : undefined
  ) {
    chain.push(current.id);
  }
  return chain;
}
