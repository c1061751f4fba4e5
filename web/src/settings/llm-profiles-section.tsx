/**
 * LLM profiles on the settings page: the workspace's own OpenAI-compatible endpoints. The key field is write-only —
 * the server keeps the key encrypted and returns only a hint — and "Test connection" makes one real call.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import {
  createLlmProfile,
  deleteLlmProfile,
  loadLlmSetup,
  testLlmProfile,
  updateLlmProfile,
} from "../api/llm-profiles";
import type { LlmProfile, LlmProfileTestResult, UpdateLlmProfileRequest } from "../api/types";
import { useLoaded } from "../app/use-loaded";
import { describeLlmSource } from "../chat/llm-source";
import { ErrorNotice } from "../components/error-notice";

interface FormValues {
  name: string;
  baseUrl: string;
  apiKey: string;
  removeKey: boolean;
  plannerModel: string;
  delegateModel: string;
  isDefault: boolean;
}

const EMPTY: FormValues = {
  name: "",
  baseUrl: "https://api.openai.com/v1",
  apiKey: "",
  removeKey: false,
  plannerModel: "",
  delegateModel: "",
  isDefault: false,
};

function valuesOf(profile: LlmProfile): FormValues {
  return { ...EMPTY, ...profile, apiKey: "" };
}

/** The create and edit form; `editing` switches the key field to "blank keeps the stored key". */
function ProfileForm(props: { editing: LlmProfile | null; onSaved(profile: LlmProfile): void; onCancel(): void }) {
  const { editing } = props;
  const [values, setValues] = useState<FormValues>(editing ? valuesOf(editing) : EMPTY);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const nameInput = useRef<HTMLInputElement>(null);
  // Editing starts from a button far above the form: take keyboard focus (and the view) to the first field.
  useEffect(() => {
    if (editing) nameInput.current?.focus();
  }, [editing]);
  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const common = {
        name: values.name,
        baseUrl: values.baseUrl,
        plannerModel: values.plannerModel,
        delegateModel: values.delegateModel || values.plannerModel,
      };
      let saved: LlmProfile;
      if (editing) {
        const patch: UpdateLlmProfileRequest = { ...common };
        if (values.removeKey) patch.apiKey = null;
        else if (values.apiKey) patch.apiKey = values.apiKey;
        if (values.isDefault && !editing.isDefault) patch.isDefault = true;
        if (!values.isDefault && editing.isDefault) patch.isDefault = false;
        saved = await updateLlmProfile(editing.id, patch);
      } else {
        saved = await createLlmProfile({
          ...common,
          isDefault: values.isDefault,
          ...(values.apiKey ? { apiKey: values.apiKey } : {}),
        });
      }
      props.onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = editing ? `Edit “${editing.name}”` : "Add a profile";
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      <div className="form-grid">
        <label>
          Profile name
          <input
            ref={nameInput}
            value={values.name}
            onChange={(e) => set("name", e.target.value)}
            required
            maxLength={100}
            placeholder="OpenAI production"
          />
        </label>
        <label>
          Base URL
          <input
            type="url"
            value={values.baseUrl}
            onChange={(e) => set("baseUrl", e.target.value)}
            required
            placeholder="https://api.openai.com/v1"
          />
        </label>
        <label>
          Planner model
          <input
            value={values.plannerModel}
            onChange={(e) => set("plannerModel", e.target.value)}
            required
            maxLength={200}
            placeholder="gpt-5"
          />
        </label>
        <label>
          Delegate model <span className="muted">(blank: the planner model)</span>
          <input
            value={values.delegateModel}
            onChange={(e) => set("delegateModel", e.target.value)}
            maxLength={200}
            placeholder="gpt-5-mini"
          />
        </label>
        <label>
          API key{" "}
          <span className="muted">
            {editing?.hasKey ? `(stored: ${editing.keyHint ?? "…"}; blank keeps it)` : "(blank: keyless endpoint)"}
          </span>
          <input
            type="password"
            value={values.apiKey}
            onChange={(e) => set("apiKey", e.target.value)}
            autoComplete="off"
            spellCheck={false}
            disabled={values.removeKey}
            maxLength={1000}
          />
        </label>
      </div>
      <div className="row">
        {editing?.hasKey && (
          <label className="row">
            <input type="checkbox" checked={values.removeKey} onChange={(e) => set("removeKey", e.target.checked)} />
            Remove the stored key
          </label>
        )}
        <label className="row">
          <input type="checkbox" checked={values.isDefault} onChange={(e) => set("isDefault", e.target.checked)} />
          Default for new runs
        </label>
      </div>
      <p className="muted">The key is stored encrypted and never shown again; only its last characters are.</p>
      <ErrorNotice error={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {editing ? "Save profile" : "Add profile"}
        </button>
        {editing && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

/** The outcome of a test call, announced to screen readers. */
function TestOutcome({ result }: { result: LlmProfileTestResult | "running" | undefined }) {
  if (result === undefined) return null;
  if (result === "running") {
    return (
      <p role="status" className="muted">
        Calling the model…
      </p>
    );
  }
  if (result.ok) {
    return (
      <p role="status" className="test-result ok" data-ok="true">
        ✓ Connected: <code>{result.responseModel ?? result.model}</code> answered in {Math.round(result.latencyMs ?? 0)}{" "}
        ms{result.reply ? <> — “{result.reply.slice(0, 60)}”</> : null}
      </p>
    );
  }
  return (
    <div role="status" className="test-result failed" data-ok="false">
      <p>
        ✗ <strong>{result.error?.message ?? "The call failed"}</strong>{" "}
        <code className="muted">{result.error?.code}</code>
        {result.error?.status !== undefined && <span className="muted"> (HTTP {result.error.status})</span>}
      </p>
      {result.guidance && <p>{result.guidance}</p>}
    </div>
  );
}

function ProfileCard(props: {
  profile: LlmProfile;
  admin: boolean;
  onEdit(): void;
  onChanged(): void;
  onError(err: unknown): void;
}) {
  const { profile } = props;
  const [test, setTest] = useState<LlmProfileTestResult | "running">();
  const runTest = async () => {
    setTest("running");
    try {
      setTest(await testLlmProfile(profile.id));
    } catch (err) {
      setTest(undefined);
      props.onError(err);
    }
  };
  const act = async (action: () => Promise<unknown>) => {
    try {
      await action();
      props.onChanged();
    } catch (err) {
      props.onError(err);
    }
  };
  const remove = () => {
    if (confirm(`Delete the profile “${profile.name}” and its stored key?`))
      void act(() => deleteLlmProfile(profile.id));
  };
  return (
    <li className="card stack profile-card" data-profile-id={profile.id}>
      <div className="row">
        <h3 className="profile-name">{profile.name}</h3>
        {profile.isDefault && <span className="badge">default</span>}
        <span className="spacer" />
        {props.admin && (
          <>
            <button
              type="button"
              onClick={runTest}
              disabled={test === "running"}
              aria-label={`Test connection of ${profile.name}`}
            >
              Test connection
            </button>
            <button type="button" onClick={props.onEdit} aria-label={`Edit ${profile.name}`}>
              Edit
            </button>
            {!profile.isDefault && (
              <button
                type="button"
                onClick={() => void act(() => updateLlmProfile(profile.id, { isDefault: true }))}
                aria-label={`Make ${profile.name} the default`}
              >
                Make default
              </button>
            )}
            <button type="button" className="danger" onClick={remove} aria-label={`Delete ${profile.name}`}>
              Delete
            </button>
          </>
        )}
      </div>
      <dl className="facts">
        <dt>Base URL</dt>
        <dd>
          <code>{profile.baseUrl}</code>
        </dd>
        <dt>Models</dt>
        <dd>
          planner <code>{profile.plannerModel}</code>, delegate <code>{profile.delegateModel}</code>
        </dd>
        <dt>Key</dt>
        <dd>{profile.hasKey ? <code>{profile.keyHint ?? "stored"}</code> : <span className="muted">none</span>}</dd>
      </dl>
      <TestOutcome result={test} />
    </li>
  );
}

/** The section; only admins may add, change, test or delete profiles. */
export function LlmProfilesSection({ admin }: { admin: boolean }) {
  const { data: setup, error, setError, reload } = useLoaded(loadLlmSetup);
  const profiles = setup?.items ?? null;
  const source = setup ? describeLlmSource(setup) : null;
  const [editing, setEditing] = useState<LlmProfile | null>(null);
  return (
    <section aria-labelledby="llm-title" className="stack" id="llm-profiles">
      <h2 id="llm-title">LLM profiles</h2>
      <p className="muted">Your own OpenAI-compatible endpoints and keys. The default profile serves every run.</p>
      {source && (
        <p
          className={source.kind === "demo" || source.kind === "none" ? "notice" : "muted"}
          data-llm-source={source.kind}
        >
          {source.summary}
        </p>
      )}
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {profiles && profiles.length > 0 && (
        <ul className="profile-list stack">
          {profiles.map((p) => (
            <ProfileCard
              key={p.id}
              profile={p}
              admin={admin}
              onEdit={() => setEditing(p)}
              onChanged={reload}
              onError={setError}
            />
          ))}
        </ul>
      )}
      {admin ? (
        <ProfileForm
          key={editing?.id ?? "new"}
          editing={editing}
          onSaved={() => {
            setEditing(null);
            reload();
          }}
          onCancel={() => setEditing(null)}
        />
      ) : (
        <p className="muted">Profiles are managed by workspace owners and admins.</p>
      )}
    </section>
  );
}
