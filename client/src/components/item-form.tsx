import { type FormEvent, useId, useState } from "react";
import { fieldErrors } from "../../../shared/errors.js";
import {
  CONDITION_NAMES,
  CONDITIONS,
  type CreateItemRequest,
  type Item,
  isCondition,
  ZCreateItemRequest,
} from "../../../shared/items.js";
import { LIMITS } from "../../../shared/limits.js";
import { currencySymbol, formatMoney, formatMoneyInput, parseMoneyInput } from "../../../shared/money.js";
import { UPLOAD_MAX_BYTES, UPLOAD_TYPES } from "../../../shared/uploads.js";
import { ApiRequestError, api } from "../api/http.js";
import { useCategories } from "../state/use-categories.js";
import { errorsByField, Field } from "./field.js";
import { ItemImage } from "./item-image.js";

type Props = {
  /** The item to edit; a new listing when absent. */
  item?: Item;
  submitLabel: string;
  onSaved(item: Item): void;
  onCancel?: () => void;
};

/** How long a new auction runs, in minutes, as the seller picks it. */
const AUCTION_LENGTHS: [number, string][] = [
  [5, "5 minutes"],
  [60, "1 hour"],
  [1440, "1 day"],
  [4320, "3 days"],
  [10080, "7 days"],
];

/**
 * Title, description, price (typed with a decimal point or comma, sent in minor units), photos (upload
 * several or add by URL, reorder, the first is the cover), category, condition, tags and place. Every
 * field's error shows inline at once, the browser's and then the server's.
 */
export function ItemForm({ item, submitLabel, onSaved, onCancel }: Props) {
  const categories = useCategories();
  const currency = item?.price.currency ?? "usd";
  const [title, setTitle] = useState(item?.title ?? "");
  const [description, setDescription] = useState(item?.description ?? "");
  const [price, setPrice] = useState(item ? formatMoneyInput(item.price.amount, currency) : "");
  const typedPrice = parseMoneyInput(price, currency);
  const [images, setImages] = useState<string[]>(item?.images ?? []);
  const [imageUrl, setImageUrl] = useState("");
  const [category, setCategory] = useState(item?.category ?? "");
  const [condition, setCondition] = useState<string>(item?.condition ?? "");
  const [tags, setTags] = useState(item?.tags.join(", ") ?? "");
  const [city, setCity] = useState(item?.location.city ?? "");
  const [country, setCountry] = useState(item?.location.country ?? "");
  // Only a new listing chooses how it sells: an auction's terms are set once (the API allows edits before a bid).
  const [auction, setAuction] = useState(false);
  const [auctionMinutes, setAuctionMinutes] = useState(String(AUCTION_LENGTHS[3]![0]));
  const [reserve, setReserve] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [uploading, setUploading] = useState(false);
  const fileId = useId();
  const clearError = (field: string) => {
    setMessage(null);
    setErrors((current) => {
      if (!(field in current)) return current;
      const { [field]: _, ...rest } = current;
      return rest;
    });
  };

  const addImage = (url: string) =>
    setImages((current) => (current.includes(url) ? current : [...current, url].slice(0, LIMITS.imagesMax)));
  const moveImage = (index: number, to: number) =>
    setImages((current) => {
      const next = [...current];
      const [moved] = next.splice(index, 1);
      if (moved !== undefined) next.splice(to, 0, moved);
      return next;
    });

  const upload = async (files: File[]) => {
    setErrors(({ imageUrl: _, ...rest }) => rest);
    setUploading(true);
    try {
      for (const file of files.slice(0, LIMITS.imagesMax - images.length)) {
        if (!(UPLOAD_TYPES as readonly string[]).includes(file.type)) {
          setErrors((e) => ({ ...e, imageUrl: `${file.name}: choose a PNG, JPEG, WebP or GIF image.` }));
          continue;
        }
        if (file.size > UPLOAD_MAX_BYTES) {
          setErrors((e) => ({ ...e, imageUrl: `${file.name} is over 5 MB. Choose a smaller one.` }));
          continue;
        }
        const { url } = await api.upload(file);
        addImage(url);
      }
    } catch (error) {
      setErrors((e) => ({
        ...e,
        imageUrl:
          error instanceof ApiRequestError ? (error.fields[0]?.message ?? error.message) : "Upload failed.",
      }));
    } finally {
      setUploading(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    const typedReserve = reserve.trim() ? parseMoneyInput(reserve, currency) : null;
    if (auction && typedReserve?.error) {
      setErrors({ "sale.reserve.amount": typedReserve.error });
      return;
    }
    const reserveCents = typedReserve?.amount ?? null;
    const cents = typedPrice.amount ?? 0;
    const place = {
      ...(city.trim() ? { city: city.trim() } : {}),
      ...(country.trim() ? { country: country.trim() } : {}),
    };
    const input: CreateItemRequest = {
      title,
      description,
      price: { amount: cents, currency },
      // The first photo is the cover (imageUrl); no photo at all clears it.
      ...(images.length > 0 ? { images } : item ? { imageUrl: null } : {}),
      category: category || null,
      condition: isCondition(condition) ? condition : null,
      tags: tags
        .split(",")
        .map((tag) => tag.trim())
        .filter(Boolean),
      location: place,
      ...(auction && !item
        ? {
            sale: {
              kind: "auction" as const,
              startingBid: { amount: cents, currency },
              ...(reserveCents !== null ? { reserve: { amount: reserveCents, currency } } : {}),
              endsAt: new Date(Date.now() + Number(auctionMinutes) * 60_000).toISOString(),
            },
          }
        : {}),
    };
    const checked = ZCreateItemRequest.safeParse(input);
    const found = {
      ...(checked.success ? {} : errorsByField(fieldErrors(checked.error))),
      ...(typedPrice.error ? { price: typedPrice.error } : {}),
    };
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setMessage("Please fix the highlighted fields.");
      return;
    }
    setBusy(true);
    try {
      const saved = item ? await api.updateItem(item.id, input) : await api.createItem(input);
      onSaved(saved.item);
    } catch (error) {
      if (error instanceof ApiRequestError) {
        setErrors(errorsByField(error.fields));
        setMessage(error.fields.length > 0 ? "Please fix the highlighted fields." : error.message);
      } else setMessage("Something went wrong. Please try again.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="item-form" onSubmit={submit} noValidate>
      <div className="item-form-fields">
        <Field label="Title" error={errors.title}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              maxLength={LIMITS.titleMax}
              placeholder="Vintage road bike"
              value={title}
              onChange={(e) => {
                setTitle(e.target.value);
                clearError("title");
              }}
            />
          )}
        </Field>
        <Field label="Description" error={errors.description}>
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              rows={5}
              maxLength={LIMITS.descriptionMax}
              placeholder="Condition, size, what's included, where to pick it up…"
              value={description}
              onChange={(e) => {
                setDescription(e.target.value);
                clearError("description");
              }}
            />
          )}
        </Field>
        {!item && (
          <fieldset className="sale-kind">
            <legend>How do you want to sell it?</legend>
            <label>
              <input type="radio" name="sale" checked={!auction} onChange={() => setAuction(false)} /> At a
              fixed price
            </label>
            <label>
              <input type="radio" name="sale" checked={auction} onChange={() => setAuction(true)} /> By
              auction, live in the item's room
            </label>
          </fieldset>
        )}
        {auction && !item && (
          <div className="field-row">
            <Field label="Auction length" error={errors["sale.endsAt"]}>
              {({ id, describedBy, invalid }) => (
                <select
                  id={id}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  value={auctionMinutes}
                  onChange={(e) => setAuctionMinutes(e.target.value)}
                >
                  {AUCTION_LENGTHS.map(([minutes, label]) => (
                    <option key={minutes} value={minutes}>
                      {label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label="Reserve (optional)"
              error={errors["sale.reserve.amount"]}
              hint="Not sold below this; bidders only see whether it is met"
            >
              {({ id, describedBy, invalid }) => (
                <div className="input-prefix">
                  <span aria-hidden="true">$</span>
                  <input
                    id={id}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    inputMode="decimal"
                    placeholder="none"
                    value={reserve}
                    onChange={(e) => setReserve(e.target.value)}
                  />
                </div>
              )}
            </Field>
          </div>
        )}
        <Field
          label={auction && !item ? "Starting bid" : "Price"}
          error={errors.price}
          hint={`In ${currency.toUpperCase()}, e.g. 25.00 or 25,00`}
        >
          {({ id, describedBy, invalid }) => (
            <div className="input-prefix">
              <span aria-hidden="true">{currencySymbol(currency)}</span>
              <input
                id={id}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                inputMode="decimal"
                placeholder="25.00"
                value={price}
                onChange={(e) => {
                  setPrice(e.target.value);
                  clearError("price");
                }}
              />
            </div>
          )}
        </Field>
        <div className="field-row">
          <Field label="Category" error={errors.category}>
            {({ id, describedBy, invalid }) => (
              <select
                id={id}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={category}
                onChange={(e) => {
                  setCategory(e.target.value);
                  clearError("category");
                }}
              >
                <option value="">Choose a category</option>
                {categories
                  .filter((c) => c.parentId === null)
                  .map((parent) => (
                    <optgroup key={parent.id} label={parent.name}>
                      <option value={parent.id}>{parent.name} (other)</option>
                      {categories
                        .filter((c) => c.parentId === parent.id)
                        .map((child) => (
                          <option key={child.id} value={child.id}>
                            {child.name}
                          </option>
                        ))}
                    </optgroup>
                  ))}
              </select>
            )}
          </Field>
          <Field label="Condition" error={errors.condition}>
            {({ id, describedBy, invalid }) => (
              <select
                id={id}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={condition}
                onChange={(e) => {
                  setCondition(e.target.value);
                  clearError("condition");
                }}
              >
                <option value="">Choose a condition</option>
                {CONDITIONS.map((value) => (
                  <option key={value} value={value}>
                    {CONDITION_NAMES[value]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field label="Tags" error={errors.tags} hint="Separated by commas: oak, dining, handmade">
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              value={tags}
              onChange={(e) => {
                setTags(e.target.value);
                clearError("tags");
              }}
            />
          )}
        </Field>
        <div className="field-row">
          <Field label="City" error={errors.location}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                autoComplete="address-level2"
                value={city}
                onChange={(e) => setCity(e.target.value)}
              />
            )}
          </Field>
          <Field label="Country">
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                autoComplete="country-name"
                value={country}
                onChange={(e) => setCountry(e.target.value)}
              />
            )}
          </Field>
        </div>
        <Field
          label="Photos"
          error={errors.imageUrl ?? errors.images}
          hint={`Up to ${LIMITS.imagesMax}: upload them (PNG, JPEG, WebP or GIF, up to 5 MB each) or add a link. The first is the cover.`}
        >
          {({ id, describedBy, invalid }) => (
            <div className="add-image">
              <input
                id={id}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                inputMode="url"
                placeholder="https://…"
                value={imageUrl}
                onChange={(e) => {
                  setImageUrl(e.target.value);
                  clearError("imageUrl");
                }}
              />
              <button
                type="button"
                className="button"
                disabled={!imageUrl.trim() || images.length >= LIMITS.imagesMax}
                onClick={() => {
                  addImage(imageUrl.trim());
                  setImageUrl("");
                }}
              >
                Add link
              </button>
            </div>
          )}
        </Field>
        {images.length > 0 && (
          <ul className="photo-list" aria-label="Photos, cover first">
            {images.map((url, index) => (
              <li key={url}>
                <img src={url} alt={index === 0 ? "Cover" : `Number ${index + 1}`} />
                {index === 0 ? (
                  <span className="cover-tag">Cover</span>
                ) : (
                  <button type="button" className="chip-button" onClick={() => moveImage(index, 0)}>
                    Make cover
                  </button>
                )}
                <button
                  type="button"
                  className="chip-button"
                  aria-label={`Remove photo ${index + 1}`}
                  onClick={() => setImages((current) => current.filter((u) => u !== url))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <div className="field">
          <input
            id={fileId}
            className="sr-only file-input"
            type="file"
            multiple
            accept={UPLOAD_TYPES.join(",")}
            onChange={(e) => {
              void upload([...(e.target.files ?? [])]);
              e.target.value = "";
            }}
          />
          <label htmlFor={fileId} className="button file-button">
            {uploading ? "Uploading…" : "Upload photos"}
          </label>
        </div>
      </div>
      <aside className="item-form-preview" aria-label="Preview">
        <div className="preview-card">
          <ItemImage id={item?.id ?? "new-item"} title={title || "?"} url={images[0] ?? null} />
          <div className="item-card-body">
            <p className="item-card-title">{title || "Your item's title"}</p>
            <p className="item-card-price">
              {typedPrice.amount !== undefined ? formatMoney({ amount: typedPrice.amount, currency }) : "—"}
            </p>
          </div>
        </div>
      </aside>
      {message && (
        <p className="form-error" role="alert">
          {message}
        </p>
      )}
      <div className="form-actions">
        {onCancel && (
          <button type="button" className="button ghost" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="button primary" disabled={busy || uploading}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
