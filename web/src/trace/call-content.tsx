/**
 * An LLM call's content in the detail pane, fetched when the node is selected (never with the trace): each message
 * with its role, the reply, their true lengths, and a copy button on each.
 */
import { useEffect, useState } from "react";
import { isApiError } from "../api/client";
import { getStepContent } from "../api/traces";
import type { StepContent } from "../api/types";

type Loaded = { status: "loading" } | { status: "ok"; content: StepContent } | { status: "none"; message: string };

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="link"
      aria-label={`Copy ${label}`}
      onClick={() =>
        void navigator.clipboard.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? "copied" : "copy"}
    </button>
  );
}

function TextPart(props: { title: string; text?: string; chars: number; truncated: boolean }) {
  const { text, chars } = props;
  const size = `${chars.toLocaleString()} chars${props.truncated ? ` (first ${(text?.length ?? 0).toLocaleString()} kept)` : ""}`;
  return (
    <section className="call-part" aria-label={props.title}>
      <header className="call-part-head">
        <strong>{props.title}</strong> <span className="muted">{size}</span>
        {text !== undefined && <CopyButton text={text} label={props.title} />}
      </header>
      {text === undefined ? (
        <p className="muted">Not kept: this workspace keeps only sizes.</p>
      ) : (
        <pre className="pre-wrap call-text">{text}</pre>
      )}
    </section>
  );
}

/** The content of step `index` of run `runId`. */
export function CallContent({ runId, index }: { runId: string; index: number }) {
  const [loaded, setLoaded] = useState<Loaded>({ status: "loading" });
  useEffect(() => {
    const abort = new AbortController();
    setLoaded({ status: "loading" });
    getStepContent(runId, index, abort.signal).then(
      (content) => setLoaded({ status: "ok", content }),
      (err) => {
        if (abort.signal.aborted) return;
        const message =
          isApiError(err) && err.status === 404 ? "No content was kept for this call." : "Could not load the content.";
        setLoaded({ status: "none", message });
      },
    );
    return () => abort.abort();
  }, [runId, index]);
  if (loaded.status === "loading") return <p className="muted">Loading the call's messages…</p>;
  if (loaded.status === "none") return <p className="muted">{loaded.message}</p>;
  const { messages, reply } = loaded.content;
  return (
    <div className="call-content" data-testid="call-content">
      {messages.map((m, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a call's messages never change once loaded
        <TextPart key={i} title={`${m.role} message ${i + 1}`} {...m} />
      ))}
      {reply ? <TextPart title="reply" {...reply} /> : <p className="muted">The call failed: no reply.</p>}
    </div>
  );
}
