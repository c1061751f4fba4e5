/** API keys on the settings page: create with scopes — the secret is shown once — list and revoke. */
import { type FormEvent, useState } from "react";
import { createApiKey, listApiKeys, revokeApiKey } from "../api/api-keys";
import { DEFAULT_SCOPES, SCOPE_CHOICES } from "../api/scopes";
import type { ApiKey, CreatedApiKey } from "../api/types";
import { useLoaded } from "../app/use-loaded";
import { ErrorNotice } from "../components/error-notice";
import { SecretOnce } from "../components/secret-once";

type Scope = ApiKey["scopes"][number];

function NewKeyForm({ onCreated }: { onCreated(key: CreatedApiKey): void }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(DEFAULT_SCOPES);
  const [days, setDays] = useState("");
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const expires = Number(days);
      const key = await createApiKey({
        name,
        scopes,
        ...(days && expires > 0 ? { expiresInDays: Math.floor(expires) } : {}),
      });
      setName("");
      onCreated(key);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby="new-key-title">
      <h3 id="new-key-title">Create a key</h3>
      <label>
        Name
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={100}
          required
          placeholder="CI pipeline"
        />
      </label>
      <fieldset className="stack">
        <legend>Scopes</legend>
        {SCOPE_CHOICES.map(({ scope, label }) => (
          <label key={scope} className="row">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) => setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))}
            />
            <code>{scope}</code> <span className="muted">{label}</span>
          </label>
        ))}
      </fieldset>
      <label>
        Expires after (days) <span className="muted">(blank: never)</span>
        <input type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />
      </label>
      <ErrorNotice error={error} />
      <button type="submit" className="primary" disabled={scopes.length === 0}>
        Create key
      </button>
    </form>
  );
}

/** API keys: create with scopes (the secret is shown once), list, revoke. Needs `admin`. */
export function ApiKeysSection() {
  const { data: keys, error, setError, reload } = useLoaded(listApiKeys);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const revoke = async (key: ApiKey) => {
    if (!confirm(`Revoke “${key.name}”? Anything using it stops working at once.`)) return;
    try {
      await revokeApiKey(key.id);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="keys-title" className="stack" id="api-keys">
      <h2 id="keys-title">API keys</h2>
      <p className="muted">For the HTTP API and scripts. Keys act for this workspace with the scopes you give them.</p>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {created && (
        <SecretOnce
          title={`Your new key “${created.name}”`}
          secret={created.secret}
          testId="new-key-secret"
          onDone={() => setCreated(null)}
        />
      )}
      <NewKeyForm
        onCreated={(key) => {
          setCreated(key);
          reload();
        }}
      />
      {keys && keys.length === 0 && <p className="muted">No keys yet.</p>}
      {keys && keys.length > 0 && (
        <div className="table-scroll">
          <table className="keys-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id} data-key-id={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.scopes.join(", ")}</td>
                  <td>{key.lastUsedAt ? new Date(key.lastUsedAt).toLocaleString() : "never"}</td>
                  <td>{key.expiresAt ? new Date(key.expiresAt).toLocaleDateString() : "never"}</td>
                  <td>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => revoke(key)}
                      aria-label={`Revoke ${key.name}`}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
