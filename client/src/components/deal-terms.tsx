import { useState } from "react";
import type { Address, CheckoutRequest } from "../../../shared/deals.js";
import type { Item } from "../../../shared/items.js";
import { formatMoney } from "../../../shared/money.js";

/** What the buyer chose: units, and a shipping option with its address (none: pickup or arranged in chat). */
export type TermsChoice = { quantity: number; shippingOptionId: string | null; address: Address };

const EMPTY_ADDRESS: Address = { name: "", line1: "", line2: "", city: "", postalCode: "", country: "" };

/** Whether the item asks the buyer anything before buying or offering (units to choose, ways to ship). */
export function hasTerms(item: Item): boolean {
  return item.quantityAvailable > 1 || item.shippingOptions.length > 0;
}

export function useTermsChoice(displayName: string) {
  return useState<TermsChoice>({
    quantity: 1,
    shippingOptionId: null,
    address: { ...EMPTY_ADDRESS, name: displayName },
  });
}

/** The request's terms; the server checks them and computes the total, never the client. */
export function termsRequest(choice: TermsChoice): Omit<CheckoutRequest, "expectedPrice"> {
  const { line2, ...address } = choice.address;
  return {
    ...(choice.quantity > 1 ? { quantity: choice.quantity } : {}),
    ...(choice.shippingOptionId
      ? {
          shippingOptionId: choice.shippingOptionId,
          shippingAddress: { ...address, ...(line2?.trim() ? { line2 } : {}) },
        }
      : {}),
  };
}

const ADDRESS_FIELDS: { key: keyof Address; label: string; autoComplete: string; optional?: boolean }[] = [
  { key: "name", label: "Full name", autoComplete: "name" },
  { key: "line1", label: "Street and number", autoComplete: "address-line1" },
  { key: "line2", label: "Flat, floor (optional)", autoComplete: "address-line2", optional: true },
  { key: "city", label: "City", autoComplete: "address-level2" },
  { key: "postalCode", label: "Postal code", autoComplete: "postal-code" },
  { key: "country", label: "Country (two letters, e.g. FR)", autoComplete: "country" },
];

/**
 * Units, a shipping option and the address, for Buy now and Make an offer alike. The address is asked
 * only with a shipping option; only the seller (once paid) and moderators ever see it.
 */
export function DealTermsFields(props: {
  item: Item;
  choice: TermsChoice;
  onChange(choice: TermsChoice): void;
  /** The unit price shown in the estimate: the item's, or the offer being typed. */
  unitAmount: number | null;
}) {
  const { item, choice, onChange } = props;
  const option = item.shippingOptions.find((o) => o.id === choice.shippingOptionId) ?? null;
  const estimate =
    props.unitAmount === null ? null : props.unitAmount * choice.quantity + (option?.cost.amount ?? 0);
  return (
    <fieldset className="deal-terms">
      <legend className="sr-only">Quantity and delivery</legend>
      {item.quantityAvailable > 1 && (
        <label className="field" htmlFor="terms-quantity">
          <span>How many ({item.quantityAvailable} available)</span>
          <input
            id="terms-quantity"
            type="number"
            inputMode="numeric"
            min={1}
            max={item.quantityAvailable}
            value={choice.quantity}
            onChange={(e) =>
              onChange({
                ...choice,
                quantity: Math.min(
                  item.quantityAvailable,
                  Math.max(1, Math.trunc(Number(e.target.value) || 1)),
                ),
              })
            }
          />
        </label>
      )}
      {item.shippingOptions.length > 0 && (
        <div className="field" role="radiogroup" aria-label="Delivery">
          <span>Delivery</span>
          <label className="choice">
            <input
              type="radio"
              name="terms-shipping"
              checked={choice.shippingOptionId === null}
              onChange={() => onChange({ ...choice, shippingOptionId: null })}
            />
            Pickup, or arrange it with the seller in the chat
          </label>
          {item.shippingOptions.map((o) => (
            <label className="choice" key={o.id}>
              <input
                type="radio"
                name="terms-shipping"
                checked={choice.shippingOptionId === o.id}
                onChange={() => onChange({ ...choice, shippingOptionId: o.id })}
              />
              {o.name}: {formatMoney(o.cost)}
              {o.regions && o.regions.length > 0 ? ` (${o.regions.join(", ")})` : ""}
            </label>
          ))}
        </div>
      )}
      {option &&
        ADDRESS_FIELDS.map((field) => (
          <label className="field" htmlFor={`terms-${field.key}`} key={field.key}>
            <span>{field.label}</span>
            <input
              id={`terms-${field.key}`}
              autoComplete={`shipping ${field.autoComplete}`}
              required={!field.optional}
              maxLength={field.key === "country" ? 2 : 120}
              value={choice.address[field.key] ?? ""}
              onChange={(e) =>
                onChange({ ...choice, address: { ...choice.address, [field.key]: e.target.value } })
              }
            />
          </label>
        ))}
      {option && <p className="muted">Only the seller and, if needed, a moderator see your address.</p>}
      {estimate !== null && (
        <p className="terms-total">
          Total <strong>{formatMoney({ amount: estimate, currency: item.price.currency })}</strong>
          {option ? ` including ${formatMoney(option.cost)} shipping` : ""}
        </p>
      )}
    </fieldset>
  );
}
