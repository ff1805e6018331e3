import { type FormEvent, useState } from "react";
import { LIMITS } from "../../../shared/limits.js";
import type { OwnProfile } from "../../../shared/profiles.js";
import { ApiRequestError, api } from "../api/http.js";
import { errorsByField, Field } from "../components/field.js";
import { LoadState, useLoad } from "../components/load-state.js";
import { ratingLine } from "../components/stars.js";
import { Link } from "../state/router.js";
import { useToast } from "../state/toasts.js";

/** The signed-in person's profile: what their seller page shows, and their email (private). */
export function ProfilePage() {
  const toast = useToast();
  const [profile, setProfile] = useState<OwnProfile | null>(null);
  const [form, setForm] = useState({
    displayName: "",
    bio: "",
    avatarUrl: "",
    city: "",
    country: "",
    email: "",
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const load = useLoad(api.myProfile, ({ user }) => {
    setProfile(user);
    setForm({
      displayName: user.displayName,
      bio: user.bio,
      avatarUrl: user.avatarUrl ?? "",
      city: user.location.city ?? "",
      country: user.location.country ?? "",
      email: user.email ?? "",
    });
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const { user } = await api.updateMe({
        displayName: form.displayName,
        bio: form.bio,
        avatarUrl: form.avatarUrl.trim() || null,
        location: {
          ...(form.city.trim() ? { city: form.city.trim() } : {}),
          ...(form.country.trim() ? { country: form.country.trim() } : {}),
        },
        email: form.email.trim() || null,
      });
      setProfile(user);
      toast.show("success", "Profile saved.");
    } catch (caught) {
      if (caught instanceof ApiRequestError) setErrors(errorsByField(caught.fields));
      toast.show("error", caught instanceof ApiRequestError ? caught.message : "Could not save. Try again.");
    } finally {
      setBusy(false);
    }
  };

  const text = (key: keyof typeof form, label: string, options: { type?: string; hint?: string } = {}) => (
    <Field
      label={label}
      error={errors[key === "city" || key === "country" ? "location" : key]}
      hint={options.hint}
    >
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          type={options.type ?? "text"}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          value={form[key]}
          onChange={(e) => setForm((current) => ({ ...current, [key]: e.target.value }))}
        />
      )}
    </Field>
  );

  return (
    <main className="page narrow">
      <h1>Your profile</h1>
      {profile && (
        <p className="muted">
          Others see it on <Link href={`/u/${profile.username}`}>your page</Link>, with your rating:{" "}
          <span data-testid="own-rating">{ratingLine(profile.rating)}</span>.
        </p>
      )}
      {!profile && <LoadState what="your profile" failed={load.failed} onRetry={load.retry} />}
      {/* The form appears once the profile is loaded: typing into it earlier would be overwritten. */}
      {profile && (
        <form className="card profile-form" onSubmit={submit} noValidate>
          {text("displayName", "Display name")}
          <Field label="About you" error={errors.bio} hint={`Up to ${LIMITS.bioMax} characters`}>
            {({ id, describedBy, invalid }) => (
              <textarea
                id={id}
                rows={4}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                maxLength={LIMITS.bioMax}
                value={form.bio}
                onChange={(e) => setForm((current) => ({ ...current, bio: e.target.value }))}
              />
            )}
          </Field>
          {text("avatarUrl", "Picture (link)", { hint: "An https:// link to a picture of you or your shop" })}
          <div className="field-row">
            {text("city", "City")}
            {text("country", "Country")}
          </div>
          {text("email", "Email", { type: "email", hint: "Only you see it; it is used for notifications" })}
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={busy}>
              Save profile
            </button>
          </div>
        </form>
      )}
    </main>
  );
}
