import { useFavorites } from "../state/favorites.js";

/** Saves an item to the person's favourites, or takes it out; signed out, it asks them to sign in. */
export function HeartButton({
  itemId,
  title,
  className = "",
}: {
  itemId: string;
  title: string;
  className?: string;
}) {
  const favorites = useFavorites();
  const on = favorites.has(itemId);
  return (
    <button
      type="button"
      className={`heart-button ${on ? "on" : ""} ${className}`}
      aria-pressed={on}
      aria-label={on ? `Remove ${title} from saved items` : `Save ${title}`}
      onClick={(event) => {
        event.preventDefault();
        event.stopPropagation();
        favorites.toggle(itemId);
      }}
    >
      <span aria-hidden="true">{on ? "♥" : "♡"}</span>
    </button>
  );
}
