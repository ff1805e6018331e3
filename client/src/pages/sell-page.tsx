import type { User } from "../../../shared/users.js";
import { ItemForm } from "../components/item-form.js";
import { Link, navigate } from "../state/router.js";

/** List an item (sellers). */
export function SellPage({ user }: { user: User }) {
  if (user.role !== "seller") {
    return (
      <main className="page narrow">
        <h1>Only sellers list items</h1>
        <p className="muted">
          You signed up as a buyer: press Start selling at the top to list items too.{" "}
          <Link href="/">Back to the marketplace</Link>
        </p>
      </main>
    );
  }
  return (
    <main className="page narrow">
      <h1>List an item</h1>
      <p className="muted">It goes live at once: buyers see it appear and can start asking questions.</p>
      <div className="card">
        <ItemForm
          submitLabel="List item"
          onSaved={(item) => navigate(`/items/${item.id}`)}
          onCancel={() => navigate("/")}
        />
      </div>
    </main>
  );
}
