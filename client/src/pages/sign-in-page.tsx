import { type FormEvent, useState } from "react";
import { ApiRequestError, api } from "../api/http.js";
import { errorsByField, Field } from "../components/field.js";
import { Logo } from "../components/logo.js";
import { Link, navigate, nextAfterSignIn } from "../state/router.js";
import { useSession } from "../state/session.js";

type Mode = "sign-in" | "sign-up";

/** Sign in, or sign up as a seller or a buyer. */
export function SignInPage() {
  const { signedIn, notice } = useSession();
  const [mode, setMode] = useState<Mode>("sign-in");
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<"seller" | "buyer">("buyer");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const session =
        mode === "sign-up"
          ? await api.register({
              username: username.trim().toLowerCase(),
              password,
              role,
              ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
            })
          : await api.login({ username: username.trim().toLowerCase(), password });
      signedIn(session);
      // Back to the page that asked for a sign-in (an item, a seller), or wherever they were.
      if (window.location.pathname === "/signin") navigate(nextAfterSignIn(), { replace: true });
    } catch (error) {
      if (error instanceof ApiRequestError) {
        setErrors(errorsByField(error.fields));
        if (error.code === "username_taken") setErrors({ username: "That username is taken. Try another." });
        else setMessage(error.fields.length > 0 ? "Please fix the highlighted fields." : error.message);
      } else setMessage("Something went wrong. Please try again.");
    } finally {
      setBusy(false);
    }
  };

  const switchTo = (next: Mode) => {
    setMode(next);
    setErrors({});
    setMessage(null);
  };

  return (
    <main className="auth-page">
      <section className="auth-hero" aria-labelledby="hero-title">
        <Logo size={44} />
        <h1 id="hero-title">Every item is a live conversation.</h1>
        <p>
          List something in a minute. Buyers ask questions in the item's own chat room, the seller answers on
          the spot, and when someone pays, everyone in the room sees it sell.
        </p>
        <ul className="auth-points">
          <li>Chat with sellers in real time</li>
          <li>Reserve and pay securely in the page</li>
          <li>See prices, reservations and sales as they happen</li>
        </ul>
      </section>
      <section className="auth-card card" aria-labelledby="auth-title">
        <h2 id="auth-title">{mode === "sign-in" ? "Welcome back" : "Create your account"}</h2>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={submit} noValidate>
          <Field
            label="Username"
            error={errors.username}
            hint={mode === "sign-up" ? "3–32 characters: a–z, 0–9, _ and -" : undefined}
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                required
                value={username}
                onChange={(e) => setUsername(e.target.value)}
              />
            )}
          </Field>
          {mode === "sign-up" && (
            <Field label="Display name (optional)" error={errors.displayName}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  autoComplete="name"
                  value={displayName}
                  onChange={(e) => setDisplayName(e.target.value)}
                />
              )}
            </Field>
          )}
          <Field
            label="Password"
            error={errors.password}
            hint={mode === "sign-up" ? "At least 8 characters" : undefined}
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                type="password"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                autoComplete={mode === "sign-up" ? "new-password" : "current-password"}
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          {mode === "sign-up" && (
            <div className="field">
              <span className="label" id="role-label">
                Role
              </span>
              <div className="role-choice" role="radiogroup" aria-labelledby="role-label">
                {(["buyer", "seller"] as const).map((value) => (
                  <label key={value} className={`role-option${role === value ? " selected" : ""}`}>
                    <input
                      type="radio"
                      name="role"
                      value={value}
                      checked={role === value}
                      onChange={() => setRole(value)}
                    />
                    <span className="role-name">{value === "buyer" ? "Buyer" : "Seller"}</span>
                    <span className="role-desc">
                      {value === "buyer" ? "I want to buy" : "I want to sell"}
                    </span>
                  </label>
                ))}
              </div>
            </div>
          )}
          {message && (
            <p className="form-error" role="alert">
              {message}
            </p>
          )}
          <button className="button primary wide" type="submit" disabled={busy}>
            {mode === "sign-in" ? "Sign in" : "Sign up"}
          </button>
        </form>
        <p className="auth-switch">
          {mode === "sign-in" ? "New to Parley?" : "Already have an account?"}{" "}
          <button
            type="button"
            className="link-button"
            onClick={() => switchTo(mode === "sign-in" ? "sign-up" : "sign-in")}
          >
            {mode === "sign-in" ? "Create an account" : "Use my account"}
          </button>
        </p>
        <p className="auth-switch">
          <Link href="/">Browse the marketplace without signing in</Link>
        </p>
      </section>
    </main>
  );
}
