import { type FormEvent, useId, useState } from "react";
import { fieldErrors } from "../../../shared/errors.js";
import { type CreateItemRequest, type Item, ZCreateItemRequest } from "../../../shared/items.js";
import { LIMITS } from "../../../shared/limits.js";
import { currencySymbol, formatMoney, formatMoneyInput, parseMoneyInput } from "../../../shared/money.js";
import { UPLOAD_MAX_BYTES, UPLOAD_TYPES } from "../../../shared/uploads.js";
import { ApiRequestError, api } from "../api/http.js";
import { errorsByField, Field } from "./field.js";
import { ItemImage } from "./item-image.js";

type Props = {
  /** The item to edit; a new listing when absent. */
  item?: Item;
  submitLabel: string;
  onSaved(item: Item): void;
  onCancel?: () => void;
};

/**
 * Title, description, price (typed with a decimal point or comma, sent in minor units) and an image by URL
 * or upload. Every field's error shows inline at once, the browser's and then the server's.
 */
export function ItemForm({ item, submitLabel, onSaved, onCancel }: Props) {
  const currency = item?.price.currency ?? "usd";
  const [title, setTitle] = useState(item?.title ?? "");
  const [description, setDescription] = useState(item?.description ?? "");
  const [price, setPrice] = useState(item ? formatMoneyInput(item.price.amount, currency) : "");
  const typedPrice = parseMoneyInput(price, currency);
  const [imageUrl, setImageUrl] = useState(item?.imageUrl ?? "");
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

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setErrors(({ imageUrl: _, ...rest }) => rest);
    if (!(UPLOAD_TYPES as readonly string[]).includes(file.type)) {
      setErrors((e) => ({ ...e, imageUrl: "Choose a PNG, JPEG, WebP or GIF image." }));
      return;
    }
    if (file.size > UPLOAD_MAX_BYTES) {
      setErrors((e) => ({ ...e, imageUrl: "That image is over 5 MB. Choose a smaller one." }));
      return;
    }
    setUploading(true);
    try {
      const { url } = await api.upload(file);
      setImageUrl(url);
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
    const input: CreateItemRequest = {
      title,
      description,
      price: { amount: typedPrice.amount ?? 0, currency },
      imageUrl: imageUrl.trim() ? imageUrl.trim() : null,
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
        <Field label="Price" error={errors.price} hint={`In ${currency.toUpperCase()}, e.g. 25.00 or 25,00`}>
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
        <Field
          label="Image URL"
          error={errors.imageUrl}
          hint="Paste a link, or upload a photo below (PNG, JPEG, WebP or GIF, up to 5 MB)."
        >
          {({ id, describedBy, invalid }) => (
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
          )}
        </Field>
        <div className="field">
          <input
            id={fileId}
            className="sr-only file-input"
            type="file"
            accept={UPLOAD_TYPES.join(",")}
            onChange={(e) => void upload(e.target.files?.[0])}
          />
          <label htmlFor={fileId} className="button file-button">
            {uploading ? "Uploading…" : "Upload a photo"}
          </label>
        </div>
      </div>
      <aside className="item-form-preview" aria-label="Preview">
        <div className="preview-card">
          <ItemImage id={item?.id ?? "new-item"} title={title || "?"} url={imageUrl.trim() || null} />
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
