import type { ItemStatus } from "../../../shared/items.js";

const LABELS: Record<ItemStatus, string> = {
  available: "Available",
  reserved: "Reserved",
  sold: "Sold",
  removed: "Removed",
};

export function StatusBadge({ status }: { status: ItemStatus }) {
  return <span className={`badge badge-${status}`}>{LABELS[status]}</span>;
}
