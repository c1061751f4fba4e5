/**
 * Sign-in: dev login where the server allows it (local development), otherwise a pointer to the identity provider;
 * and, for power users, pasting an API key, kept in this tab's sessionStorage only.
 */
import { type FormEvent, useState } from "react";
import { TENANT_SLUG_PATTERN, TENANT_SLUG_RULE } from "../../../worker/contracts/constants";
import { devLogin } from "../api/auth";
import { isApiError, storeApiKey } from "../api/client";
import { useAuth } from "../app/auth-context";
import { ErrorNotice } from "../components/error-notice";

function DevLoginForm({ onRefused }: { onRefused(): void }) {
  const { refresh } = useAuth();
  const [tenant, setTenant] = useState("dev");
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await devLogin({ tenant, email, ...(name ? { name } : {}) });
      await refresh();
    } catch (err) {
      if (isApiError(err) && err.status === 403) onRefused();
      else setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby="dev-login-title">
      <h2 id="dev-login-title">Sign in (local development)</h2>
      <label>
        Workspace (tenant)
        <input
          value={tenant}
          onChange={(e) => setTenant(e.target.value)}
          pattern={TENANT_SLUG_PATTERN}
          title={`Workspace: ${TENANT_SLUG_RULE}`}
          aria-describedby="tenant-rule"
          required
        />
        <span id="tenant-rule" className="muted">
          Lowercase letters, digits and hyphens, e.g. acme-labs.
        </span>
      </label>
      <label>
        Email
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="email" />
      </label>
      <label>
        Name <span className="muted">(optional)</span>
        <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
      </label>
      <ErrorNotice error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

function ApiKeyForm() {
  const { refresh } = useAuth();
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    storeApiKey(key.trim());
    await refresh();
    // refresh() forgets a key the server refused; say so rather than silently showing this form again.
    setError("That key was not accepted: check that it is complete and not revoked.");
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby="key-login-title">
      <h2 id="key-login-title">Use an API key</h2>
      <p className="muted">Kept in this tab only (sessionStorage) and sent as a bearer token.</p>
      <label>
        API key
        <input
          type="password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder="frk_…"
          required
          autoComplete="off"
        />
      </label>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      <button type="submit">Use this key</button>
    </form>
  );
}

/** The screen shown while nobody is signed in. */
export function SignInPage() {
  const [devRefused, setDevRefused] = useState(false);
  return (
    <main className="sign-in" id="main">
      <h1>fleet-rlm</h1>
      <p className="muted">Chat with an agent that hands long documents to Recursive Language Models.</p>
      <div className="sign-in-grid">
        {devRefused ? (
          <section className="card stack" aria-labelledby="idp-title">
            <h2 id="idp-title">Sign in with your identity provider</h2>
            <p>
              This server does not offer dev login. Sign in through your organisation's identity provider (OIDC), or
              paste an API key an administrator gave you.
            </p>
          </section>
        ) : (
          <DevLoginForm onRefused={() => setDevRefused(true)} />
        )}
        <ApiKeyForm />
      </div>
    </main>
  );
}
