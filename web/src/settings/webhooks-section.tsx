/**
 * Webhook endpoints on the settings page: inbound ones (a signed POST starts a task, shaped by a mapping template)
 * and outbound ones (task results are POSTed, signed, to a URL). The secret is shown once on creation and rotation,
 * and can be revealed again by an admin; each endpoint has its delivery log with a redeliver button.
 */
import { type FormEvent, useCallback, useId, useState } from "react";
import type { WebhookDelivery, WebhookEndpoint } from "../api/types";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  type EndpointWithSecret,
  listDeliveries,
  listWebhookEndpoints,
  type NewWebhookEndpoint,
  redeliver,
  revealWebhookSecret,
  rotateWebhookSecret,
} from "../api/webhooks";
import { useLoaded } from "../app/use-loaded";
import { ErrorNotice } from "../components/error-notice";
import { SecretOnce } from "../components/secret-once";

const EVENTS = [
  { value: "task.started", label: "Task started" },
  { value: "task.progress", label: "Task progress (at most every 30 s)" },
  { value: "task.completed", label: "Task completed" },
  { value: "task.failed", label: "Task failed" },
  { value: "task.cancelled", label: "Task cancelled" },
] as const;

/** One day: long enough for a sender to pick up a rotated secret, the API's own default. */
const ROTATION_OVERLAP_SECONDS = 86_400;

type EventName = (typeof EVENTS)[number]["value"];

function NewEndpointForm({ onCreated }: { onCreated(created: EndpointWithSecret): void }) {
  const id = useId();
  const [direction, setDirection] = useState<"inbound" | "outbound">("inbound");
  const [name, setName] = useState("");
  const [query, setQuery] = useState("Summarise {{/issue/title}}");
  const [context, setContext] = useState("/issue/body");
  const [mode, setMode] = useState<"rlm" | "agent">("rlm");
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<EventName[]>(["task.completed", "task.failed"]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const input: NewWebhookEndpoint =
        direction === "inbound"
          ? {
              direction,
              name,
              mapping: { template: { query, ...(context.trim() ? { context: context.trim() } : {}) }, mode },
            }
          : { direction, name, url, events };
      onCreated(await createWebhookEndpoint(input));
      setName("");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Add an endpoint</h3>
      <fieldset className="segmented">
        <legend>Direction</legend>
        <label>
          <input
            type="radio"
            name={`${id}-direction`}
            checked={direction === "inbound"}
            onChange={() => setDirection("inbound")}
          />
          Inbound: starts tasks
        </label>
        <label>
          <input
            type="radio"
            name={`${id}-direction`}
            checked={direction === "outbound"}
            onChange={() => setDirection("outbound")}
          />
          Outbound: receives results
        </label>
      </fieldset>
      <label>
        Endpoint name
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={100}
          placeholder="GitHub issues"
        />
      </label>
      {direction === "inbound" ? (
        <>
          <label>
            Query template <span className="muted">(JSON Pointers into the payload in double braces)</span>
            <textarea value={query} onChange={(e) => setQuery(e.target.value)} required rows={2} maxLength={20_000} />
          </label>
          <div className="form-grid">
            <label>
              Context pointer <span className="muted">(blank: no context)</span>
              <input value={context} onChange={(e) => setContext(e.target.value)} placeholder="/issue/body" />
            </label>
            <label>
              Task mode
              <select value={mode} onChange={(e) => setMode(e.target.value as "rlm" | "agent")}>
                <option value="rlm">RLM over the context</option>
                <option value="agent">Agent (may delegate)</option>
              </select>
            </label>
          </div>
        </>
      ) : (
        <>
          <label>
            Receiver URL
            <input
              type="url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              required
              placeholder="https://example.com/hooks/fleet"
            />
          </label>
          <fieldset className="row">
            <legend>Events</legend>
            {EVENTS.map((e) => (
              <label key={e.value} className="row">
                <input
                  type="checkbox"
                  checked={events.includes(e.value)}
                  onChange={(ev) =>
                    setEvents(ev.target.checked ? [...events, e.value] : events.filter((x) => x !== e.value))
                  }
                />
                {e.label}
              </label>
            ))}
          </fieldset>
        </>
      )}
      <ErrorNotice error={error} />
      <button type="submit" className="primary" disabled={busy || (direction === "outbound" && events.length === 0)}>
        Create endpoint
      </button>
    </form>
  );
}

const STATUS_CLASS: Record<WebhookDelivery["status"], string> = {
  delivered: "status-ok",
  accepted: "status-ok",
  pending: "status-running",
  failed: "status-failed",
  dead: "status-failed",
  rejected: "status-failed",
};

function Deliveries({ endpoint }: { endpoint: WebhookEndpoint }) {
  const {
    data: deliveries,
    error,
    setError,
    reload,
  } = useLoaded(useCallback(() => listDeliveries(endpoint.id), [endpoint.id]));
  const again = async (d: WebhookDelivery) => {
    try {
      await redeliver(d.id);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="stack deliveries">
      <div className="row">
        <h4>Deliveries</h4>
        <button type="button" className="small" onClick={reload}>
          Refresh
        </button>
      </div>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {deliveries?.length === 0 && <p className="muted">No deliveries yet.</p>}
      {deliveries && deliveries.length > 0 && (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">Deliveries of {endpoint.name}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">HTTP</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id} data-delivery-id={d.id}>
                  <td>{new Date(d.createdAt).toLocaleString()}</td>
                  <td>
                    <code>{d.event}</code>
                  </td>
                  <td className={STATUS_CLASS[d.status]}>{d.status}</td>
                  <td>{d.lastStatusCode ?? "—"}</td>
                  <td>{d.attempts}</td>
                  <td className="pre-wrap">{d.lastError ?? ""}</td>
                  <td>
                    {d.direction === "outbound" && d.status !== "pending" && (
                      <button
                        type="button"
                        className="small"
                        onClick={() => void again(d)}
                        aria-label={`Redeliver ${d.messageId}`}
                      >
                        Redeliver
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function EndpointCard(props: {
  endpoint: WebhookEndpoint;
  onRotated(created: EndpointWithSecret): void;
  onDeleted(): void;
  onError(err: unknown): void;
}) {
  const { endpoint } = props;
  const [secret, setSecret] = useState<string | null>(null);
  const [showDeliveries, setShowDeliveries] = useState(false);
  const hookUrl = endpoint.hookUrl ? new URL(endpoint.hookUrl, location.origin).href : null;
  const reveal = async () => {
    if (secret) return setSecret(null);
    try {
      setSecret(await revealWebhookSecret(endpoint.id));
    } catch (err) {
      props.onError(err);
    }
  };
  const rotate = async () => {
    if (!confirm(`Rotate the secret of “${endpoint.name}”? The old one stays valid for a day.`)) return;
    try {
      setSecret(null);
      props.onRotated(await rotateWebhookSecret(endpoint.id, ROTATION_OVERLAP_SECONDS));
    } catch (err) {
      props.onError(err);
    }
  };
  const remove = async () => {
    if (!confirm(`Delete the endpoint “${endpoint.name}”? Pending deliveries are dropped.`)) return;
    try {
      await deleteWebhookEndpoint(endpoint.id);
      props.onDeleted();
    } catch (err) {
      props.onError(err);
    }
  };
  return (
    <li className="card stack endpoint-card" data-endpoint-id={endpoint.id}>
      <div className="row">
        <h3 className="endpoint-name">{endpoint.name}</h3>
        <span className="badge">{endpoint.direction}</span>
        {!endpoint.active && <span className="badge">inactive</span>}
        <span className="spacer" />
        <button
          type="button"
          aria-pressed={secret !== null}
          onClick={reveal}
          aria-label={`Reveal the secret of ${endpoint.name}`}
        >
          {secret ? "Hide secret" : "Reveal secret"}
        </button>
        <button type="button" onClick={rotate} aria-label={`Rotate the secret of ${endpoint.name}`}>
          Rotate
        </button>
        <button type="button" className="danger" onClick={remove} aria-label={`Delete ${endpoint.name}`}>
          Delete
        </button>
      </div>
      <dl className="facts">
        {hookUrl && (
          <>
            <dt>Senders POST to</dt>
            <dd>
              <code>{hookUrl}</code>
            </dd>
            <dt>Query</dt>
            <dd>
              <code>{endpoint.mapping?.template.query}</code>
              {endpoint.mapping?.template.context && (
                <>
                  {" "}
                  with context <code>{endpoint.mapping.template.context}</code>
                </>
              )}
            </dd>
          </>
        )}
        {endpoint.url && (
          <>
            <dt>Delivers to</dt>
            <dd>
              <code>{endpoint.url}</code>
            </dd>
            <dt>Events</dt>
            <dd>{endpoint.events.join(", ")}</dd>
          </>
        )}
        {endpoint.previousSecretExpiresAt && (
          <>
            <dt>Previous secret</dt>
            <dd>valid until {new Date(endpoint.previousSecretExpiresAt).toLocaleString()}</dd>
          </>
        )}
      </dl>
      {secret && (
        <p className="row">
          Signing secret:{" "}
          <code className="secret" data-testid="revealed-secret">
            {secret}
          </code>
        </p>
      )}
      <button
        type="button"
        className="link"
        aria-expanded={showDeliveries}
        onClick={() => setShowDeliveries((v) => !v)}
      >
        {showDeliveries ? "Hide deliveries" : "Show deliveries"}
      </button>
      {showDeliveries && <Deliveries endpoint={endpoint} />}
    </li>
  );
}

/** The section (admins only: the API requires `admin` for every webhook route). */
export function WebhooksSection() {
  const { data: endpoints, error, setError, reload } = useLoaded(listWebhookEndpoints);
  const [fresh, setFresh] = useState<EndpointWithSecret | null>(null);
  const shown = (created: EndpointWithSecret) => {
    setFresh(created);
    reload();
  };
  return (
    <section aria-labelledby="webhooks-title" className="stack" id="webhooks">
      <h2 id="webhooks-title">Webhooks</h2>
      <p className="muted">
        Inbound endpoints start tasks from signed POSTs (Standard Webhooks); outbound ones receive task results, signed
        the same way and retried with backoff.
      </p>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {fresh && (
        <SecretOnce
          title={`Signing secret of “${fresh.endpoint.name}”`}
          secret={fresh.secret}
          testId="new-webhook-secret"
          onDone={() => setFresh(null)}
        />
      )}
      {endpoints?.length === 0 && <p className="muted">No endpoints yet.</p>}
      {endpoints && endpoints.length > 0 && (
        <ul className="endpoint-list stack">
          {endpoints.map((e) => (
            <EndpointCard key={e.id} endpoint={e} onRotated={shown} onDeleted={reload} onError={setError} />
          ))}
        </ul>
      )}
      <NewEndpointForm onCreated={shown} />
    </section>
  );
}
