// Signing in: the key is checked against the server (a zone listing) before it is kept in
// this tab's session storage, so a wrong key is named at once, not on the next page.

import { useState } from "preact/hooks";

import { ApiError, call } from "./api";
import { ErrorText } from "./messages";

export function SignIn(props: { notice: string | null; onSignIn: (key: string) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError("Enter an API key (flatapex api-key create makes one).");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await call(trimmed, "GET", "/api/v1/servers/localhost/zones");
      props.onSignIn(trimmed);
    } catch (e) {
      const err = e as ApiError;
      setError(
        err.status === 401
          ? `That API key was refused: ${err.message}.`
          : err.status === 429
            ? `Too many wrong keys from this address: ${err.message}.`
            : `Could not sign in: ${err.message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="current-password"
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? "sign-in-error" : "sign-in-help"}
        />
        <p id="sign-in-help" class="help">
          The key is kept in this tab only, and forgotten when the tab closes or after 12 hours.
        </p>
        <ErrorText text={error} id="sign-in-error" />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}
