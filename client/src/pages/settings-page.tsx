import { type FormEvent, useState } from "react";
import {
  EMAIL_PREFERENCE_KEYS,
  EMAIL_PREFERENCE_LABELS,
  type EmailPreferenceKey,
  type EmailSettings,
} from "../../../shared/notifications.js";
import { ApiRequestError, api } from "../api/http.js";
import { errorsByField, Field } from "../components/field.js";
import { InboxTabs } from "../components/inbox-tabs.js";
import { LoadState, useLoad } from "../components/load-state.js";
import { useToast } from "../state/toasts.js";

/** The choices in reading order: room messages next to deal messages. */
const SHOWN_KEYS: EmailPreferenceKey[] = [
  "message.received",
  "message.received.room",
  ...EMAIL_PREFERENCE_KEYS.filter((key) => !key.startsWith("message.received")),
];

/** Email notifications: the address and its verification, and which types are emailed. */
export function SettingsPage() {
  const toast = useToast();
  const [settings, setSettings] = useState<EmailSettings | null>(null);
  const [preferences, setPreferences] = useState<Record<EmailPreferenceKey, boolean> | null>(null);
  const [address, setAddress] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const load = useLoad(api.preferences, ({ preferences, email }) => {
    setPreferences(preferences.email);
    setSettings(email);
    setAddress(email.address ?? "");
  });

  const saveAddress = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const { user } = await api.updateMe({ email: address.trim() || null });
      const changed = user.email !== settings?.address;
      setSettings((current) =>
        current ? { ...current, address: user.email, verified: changed ? false : current.verified } : current,
      );
      toast.show(
        "success",
        user.email && changed ? "Saved. Check your inbox for the link to confirm it." : "Saved.",
      );
    } catch (caught) {
      if (caught instanceof ApiRequestError) setErrors(errorsByField(caught.fields));
      toast.show("error", caught instanceof ApiRequestError ? caught.message : "Could not save. Try again.");
    } finally {
      setBusy(false);
    }
  };

  const resend = async () => {
    try {
      await api.resendVerification();
      toast.show("success", "A new link is on its way.");
    } catch (caught) {
      toast.show(
        "error",
        caught instanceof ApiRequestError ? caught.message : "Could not send it. Try again.",
      );
    }
  };

  const toggle = async (key: EmailPreferenceKey, on: boolean) => {
    setPreferences((current) => (current ? { ...current, [key]: on } : current));
    try {
      const { preferences } = await api.updatePreferences({ [key]: on });
      setPreferences(preferences.email);
    } catch {
      setPreferences((current) => (current ? { ...current, [key]: !on } : current));
      toast.show("error", "Could not save that choice. Try again.");
    }
  };

  return (
    <main className="page narrow">
      <InboxTabs />
      <h1>Email settings</h1>
      {settings && !settings.enabled && (
        <p className="notice">
          This marketplace does not send email at the moment; your choices are kept for when it does.
        </p>
      )}
      {!settings && <LoadState what="your settings" failed={load.failed} onRetry={load.retry} />}
      {/* The address form appears once the settings are loaded: typing into it earlier would be overwritten. */}
      {settings && (
        <form className="card settings-card" onSubmit={(event) => void saveAddress(event)}>
          <Field
            label="Email address"
            error={errors.email}
            hint="Only for notifications you choose below. Nobody else sees it."
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                type="email"
                autoComplete="email"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={address}
                onChange={(e) => setAddress(e.target.value)}
              />
            )}
          </Field>
          {settings.address && (
            <p className={`verification ${settings.verified ? "is-verified" : "is-pending"}`} role="status">
              {settings.verified
                ? `${settings.address} is verified.`
                : `${settings.address} is not verified yet: follow the link we sent. Nothing else is emailed until then.`}
            </p>
          )}
          <div className="settings-actions">
            <button type="submit" className="button primary" disabled={busy}>
              Save address
            </button>
            {settings.address && !settings.verified && (
              <button type="button" className="button" onClick={() => void resend()}>
                Send the link again
              </button>
            )}
          </div>
        </form>
      )}
      {preferences && (
        <fieldset className="card settings-card preferences">
          <legend>Email me about</legend>
          {SHOWN_KEYS.map((key) => (
            <label key={key} className="preference">
              <input
                type="checkbox"
                checked={preferences[key]}
                onChange={(e) => void toggle(key, e.target.checked)}
              />
              {EMAIL_PREFERENCE_LABELS[key]}
            </label>
          ))}
        </fieldset>
      )}
    </main>
  );
}
