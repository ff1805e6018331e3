import { useId } from "react";
import { type Address, type CheckoutRequest, ZAddress } from "../../../shared/deals.js";
import type { Item } from "../../../shared/items.js";
import { formatMoney } from "../../../shared/money.js";

/** What the buyer is choosing in the buy box: units, a shipping option (or pickup) and where to. */
export type Terms = { quantity: number; optionId: string; address: Record<keyof Address, string> };

export const EMPTY_ADDRESS: Terms["address"] = {
  name: "",
  line1: "",
  line2: "",
  city: "",
  postalCode: "",
  country: "",
};

const ADDRESS_FIELDS: { key: keyof Address; label: string; autoComplete: string; optional?: boolean }[] = [
  { key: "name", label: "Full name", autoComplete: "name" },
  { key: "line1", label: "Street and number", autoComplete: "address-line1" },
  { key: "line2", label: "Apartment, floor (optional)", autoComplete: "address-line2", optional: true },
  { key: "postalCode", label: "Postal code", autoComplete: "postal-code" },
  { key: "city", label: "City", autoComplete: "address-level2" },
  { key: "country", label: "Country code (e.g. US, DE)", autoComplete: "country" },
];

/**
 * The checkout's terms from what was chosen, or a sentence saying what is missing (the server checks
 * them again: units free, the option the item's, an address with an option).
 */
export function checkoutTerms(
  terms: Terms,
): { request: Omit<CheckoutRequest, "expectedPrice"> } | { error: string } {
  const base = terms.quantity > 1 ? { quantity: terms.quantity } : {};
  if (!terms.optionId) return { request: base };
  const { line2, ...required } = terms.address;
  const parsed = ZAddress.safeParse({ ...required, ...(line2.trim() ? { line2 } : {}) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ADDRESS_FIELDS.find((f) => f.key === issue?.path[0]);
    return {
      error: `Where should it go? ${field ? `${field.label}: ` : ""}${issue?.message ?? "Check the address."}`,
    };
  }
  return { request: { ...base, shippingOptionId: terms.optionId, shippingAddress: parsed.data } };
}

/** The total the server will charge: units × price + the chosen option's cost. */
export function termsTotal(item: Item, terms: Terms): string {
  const option = item.shippingOptions.find((o) => o.id === terms.optionId);
  return formatMoney({
    amount: item.price.amount * terms.quantity + (option?.cost.amount ?? 0),
    currency: item.price.currency,
  });
}

/** Units (when more than one is free), pickup or a shipping option, and the address it needs. */
export function CheckoutTerms({
  item,
  terms,
  onChange,
}: {
  item: Item;
  terms: Terms;
  onChange(terms: Terms): void;
}) {
  const id = useId();
  const units = Math.min(item.quantityAvailable, 10);
  if (units <= 1 && item.shippingOptions.length === 0) return null;
  return (
    <div className="checkout-terms">
      {units > 1 && (
        <div className="field">
          <label htmlFor={`${id}-quantity`}>How many</label>
          <select
            id={`${id}-quantity`}
            value={terms.quantity}
            onChange={(e) => onChange({ ...terms, quantity: Number(e.target.value) })}
          >
            {Array.from({ length: units }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      )}
      {item.shippingOptions.length > 0 && (
        <fieldset className="resolve-choices">
          <legend>Delivery</legend>
          <label className="resolve-choice">
            <input
              type="radio"
              name={`${id}-delivery`}
              checked={terms.optionId === ""}
              onChange={() => onChange({ ...terms, optionId: "" })}
            />
            <span>Pickup, or arrange it in the chat</span>
          </label>
          {item.shippingOptions.map((option) => (
            <label key={option.id} className="resolve-choice">
              <input
                type="radio"
                name={`${id}-delivery`}
                checked={terms.optionId === option.id}
                onChange={() => onChange({ ...terms, optionId: option.id })}
              />
              <span>
                {option.name} ({formatMoney(option.cost)})
              </span>
            </label>
          ))}
        </fieldset>
      )}
      {terms.optionId && (
        <fieldset className="address-fields">
          <legend>Shipping address (only the seller sees it, once you have paid)</legend>
          {ADDRESS_FIELDS.map((field) => (
            <div className="field" key={field.key}>
              <label htmlFor={`${id}-${field.key}`}>{field.label}</label>
              <input
                id={`${id}-${field.key}`}
                autoComplete={field.autoComplete}
                value={terms.address[field.key] ?? ""}
                required={!field.optional}
                onChange={(e) =>
                  onChange({ ...terms, address: { ...terms.address, [field.key]: e.target.value } })
                }
              />
            </div>
          ))}
        </fieldset>
      )}
    </div>
  );
}
