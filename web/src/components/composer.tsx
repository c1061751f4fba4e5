/**
 * The message composer: text (Enter sends, Shift+Enter breaks the line), execution mode, documents to hand to the
 * RLM, and the turn's budget. While a turn runs, Send becomes Stop.
 */
import { type FormEvent, type KeyboardEvent, useEffect, useState } from "react";
import { type DocumentInfo, listDocuments } from "../api/documents";
import type { ExecutionMode, RunBudget } from "../api/types";
import { loadComposerState, saveComposerState } from "../chat/composer-state";
import type { LlmSource } from "../chat/llm-source";
import { loadBudgetDefaults } from "../settings/budget-defaults";
import { formatBytes } from "../trace/format";

/** What a send carries. */
export interface ComposerMessage {
  text: string;
  mode: ExecutionMode;
  documents: string[];
  budget: RunBudget;
}

const MODES: Array<{ value: ExecutionMode; label: string }> = [
  { value: "auto", label: "Auto: the agent decides" },
  { value: "rlm", label: "RLM: always delegate" },
  { value: "tools", label: "Tools: no delegation" },
];

function DocumentPicker({ selected, onChange }: { selected: string[]; onChange(ids: string[]): void }) {
  const [documents, setDocuments] = useState<DocumentInfo[] | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the list is read once, against the selection it found
  useEffect(() => {
    // Only stored documents can be attached: the server refuses ones still uploading.
    listDocuments().then(
      (all) => {
        const ready = all.filter((d) => d.status === "ready");
        setDocuments(ready);
        // A remembered document that was deleted since is dropped, not sent to be refused.
        const kept = selected.filter((id) => ready.some((d) => d.id === id));
        if (kept.length !== selected.length) onChange(kept);
      },
      () => setUnavailable(true),
    );
  }, []);
  if (unavailable) return <p className="muted">Documents cannot be listed right now.</p>;
  if (documents === null) return <p className="muted">Loading documents…</p>;
  if (documents.length === 0) return <p className="muted">No documents yet: upload some on the Documents page.</p>;
  return (
    <fieldset className="doc-picker">
      <legend>Documents for this message</legend>
      {documents.map((d) => (
        <label key={d.id} className="row">
          <input
            type="checkbox"
            checked={selected.includes(d.id)}
            onChange={(e) => onChange(e.target.checked ? [...selected, d.id] : selected.filter((id) => id !== d.id))}
          />
          {d.name} <span className="muted">{formatBytes(d.bytes)}</span>
        </label>
      ))}
    </fieldset>
  );
}

function parseLimit(value: string): number | undefined {
  const n = Number(value);
  return value.trim() && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The composer; `running` swaps Send for Stop, `disabled` (not connected, archived) blocks sending. */
export function Composer(props: {
  /** Where this composer's settings are remembered ({@link composerKey}); none: a new chat, from the defaults. */
  stateKey?: string;
  /** What will answer; the composer names it when it is only the demo model, or nothing at all. */
  modelNote?: LlmSource | null;
  running: boolean;
  disabled: boolean;
  disabledReason?: string;
  onSend(message: ComposerMessage): boolean;
  onStop(): void;
}) {
  const [text, setText] = useState("");
  // The user's defaults from Settings, read once per composer, under what this session last used.
  const [defaults] = useState(loadBudgetDefaults);
  const [initial] = useState(() => {
    const fresh = {
      mode: "auto" as const,
      documents: [],
      llmCalls: defaults.llmCalls?.toString() ?? "",
      costUsd: defaults.costUsd?.toString() ?? "",
    };
    return props.stateKey ? loadComposerState(localStorage, props.stateKey, fresh) : fresh;
  });
  const [mode, setMode] = useState<ExecutionMode>(initial.mode);
  const [documents, setDocuments] = useState<string[]>(initial.documents);
  const [llmCalls, setLlmCalls] = useState(initial.llmCalls);
  const [costUsd, setCostUsd] = useState(initial.costUsd);
  const [showOptions, setShowOptions] = useState(false);
  useEffect(() => {
    if (props.stateKey) saveComposerState(localStorage, props.stateKey, { mode, documents, llmCalls, costUsd });
  }, [props.stateKey, mode, documents, llmCalls, costUsd]);

  const send = (event?: FormEvent) => {
    event?.preventDefault();
    if (props.running || props.disabled || !text.trim()) return;
    const calls = parseLimit(llmCalls);
    const usd = parseLimit(costUsd);
    const budget: RunBudget = {
      ...(calls ? { llmCalls: Math.floor(calls) } : {}),
      ...(usd ? { costUsd: usd } : {}),
    };
    if (props.onSend({ text: text.trim(), mode, documents, budget })) setText("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <form className="composer" onSubmit={send} aria-label="Send a message">
      <label className="visually-hidden" htmlFor="composer-text">
        Message
      </label>
      <textarea
        id="composer-text"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        rows={3}
        placeholder={props.disabledReason ?? "Ask anything; attach documents for long-context work"}
        disabled={props.disabled}
      />
      <div className="composer-bar">
        <label>
          Mode{" "}
          <select value={mode} onChange={(e) => setMode(e.target.value as ExecutionMode)}>
            {MODES.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" aria-expanded={showOptions} onClick={() => setShowOptions((v) => !v)}>
          Documents & budget{documents.length > 0 ? ` (${documents.length})` : ""}
        </button>
        <span className="spacer" />
        {props.modelNote?.kind === "demo" && (
          <span className="muted model-note" data-llm-source="demo">
            Demo model: demo tasks only
          </span>
        )}
        {props.modelNote?.kind === "none" && (
          <span className="error-text model-note" data-llm-source="none">
            No model configured
          </span>
        )}
        {props.running ? (
          <button type="button" className="danger" onClick={props.onStop}>
            Stop
          </button>
        ) : (
          <button type="submit" className="primary" disabled={props.disabled || !text.trim()}>
            Send
          </button>
        )}
      </div>
      {showOptions && (
        <div className="composer-options">
          <DocumentPicker selected={documents} onChange={setDocuments} />
          <fieldset className="row">
            <legend>
              Budget for this message (blank: the server's default
              {defaults.llmCalls || defaults.costUsd ? "; prefilled from your defaults in Settings" : ""})
            </legend>
            <label>
              LLM calls
              <input type="number" min={1} step={1} value={llmCalls} onChange={(e) => setLlmCalls(e.target.value)} />
            </label>
            <label>
              Cost (USD)
              <input
                type="number"
                min={0.01}
                step={0.01}
                value={costUsd}
                onChange={(e) => setCostUsd(e.target.value)}
              />
            </label>
          </fieldset>
        </div>
      )}
    </form>
  );
}
