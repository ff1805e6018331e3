import { useEffect, useState } from "react";
import { ApiRequestError, api } from "../api/http.js";
import { Link, useSearchParams } from "../state/router.js";

/** Where a verification email's link lands: it confirms the address with the token it carries. */
export function VerifyEmailPage() {
  const token = useSearchParams().get("token") ?? "";
  const [state, setState] = useState<{ done: boolean; message: string } | null>(null);

  useEffect(() => {
    api.verifyEmail(token).then(
      ({ user }) => setState({ done: true, message: `${user.email ?? "Your address"} is verified.` }),
      (caught: unknown) =>
        setState({
          done: false,
          message: caught instanceof ApiRequestError ? caught.message : "Could not verify it. Try again.",
        }),
    );
  }, [token]);

  return (
    <main className="page narrow">
      <h1>Confirm your email</h1>
      <p role="status">{state ? state.message : "Confirming…"}</p>
      {state && <Link href="/settings">Email settings</Link>}
    </main>
  );
}
