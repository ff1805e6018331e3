import { type ReactNode, useId } from "react";

/** A labelled control with its hint and inline error, wired for screen readers. */
export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : null, props.error ? errorId : null].filter(Boolean).join(" ");
  return (
    <div className={`field${props.error ? " field-invalid" : ""}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, describedBy: describedBy || undefined, invalid: Boolean(props.error) })}
      {props.hint && (
        <p className="field-hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p className="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** Errors by field from a `bad_request`'s details: `price.amount` counts as `price`. */
export function errorsByField(fields: { path: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) {
    const key = field.path.split(".")[0] ?? field.path;
    out[key] ??= field.message;
  }
  return out;
}
