import { useEffect, useState } from "react";
import type { Category } from "../../../shared/categories.js";
import { api } from "../api/http.js";

/** The category tree from the server (asked once per page load). */
export function useCategories(): Category[] {
  const [categories, setCategories] = useState<Category[]>([]);
  useEffect(() => {
    api.categories().then(
      (response) => setCategories(response.categories),
      () => {},
    );
  }, []);
  return categories;
}
