/**
 * The chat before it is a session: what runs will use (said plainly when there is no real model), the one-click
 * demo tasks, and the composer. Nothing is stored until the first message is sent.
 */
import { useState } from "react";
import { uploadDocument } from "../api/documents";
import { type DemoTask, demoTasks } from "../chat/demo-tasks";
import type { LlmSource } from "../chat/llm-source";
import { Composer, type ComposerMessage } from "./composer";
import { ErrorNotice } from "./error-notice";

/** Creates the session for a first message and opens it; rejects when it could not. */
export type StartChat = (message: ComposerMessage) => Promise<void>;

/** Budget of a demo run: ample for its fan-out, small enough that a mistake costs little. */
const DEMO_BUDGET = { llmCalls: 200 };

function DemoCard(props: { task: DemoTask; busy: boolean; onRun(): void }) {
  const { task } = props;
  return (
    <button type="button" className="demo-task" disabled={props.busy} onClick={props.onRun}>
      <strong>Try: {task.title}</strong>
      <span className="muted">{task.blurb}</span>
      <span>“{task.question}”</span>
      <span className="muted">Right answer: {task.expected}</span>
    </button>
  );
}

/** The panel; `onStart` turns a first message into a session; `source` is what runs use (null: not known yet). */
export function StartPanel({ onStart, source }: { onStart: StartChat; source: LlmSource | null }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tasks] = useState(demoTasks);

  const run = async (what: string, work: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
      setBusy(null);
    }
  };
  const runDemo = (task: DemoTask) =>
    run(`Uploading ${task.fileName}…`, async () => {
      const file = new File([task.text], task.fileName, { type: "text/plain" });
      const doc = await uploadDocument(file, () => {}).done;
      setBusy("Starting the chat…");
      await onStart({ text: task.question, mode: "rlm", documents: [doc.id], budget: DEMO_BUDGET });
    });

  return (
    <section className="empty-chat" aria-label="New chat">
      <h1>Start a conversation</h1>
      <p className="muted">
        The agent answers directly or delegates long-context work to a Recursive Language Model; watch it in the trace.
      </p>
      {source && (source.kind === "demo" || source.kind === "none") && (
        <p className="notice" data-llm-source={source.kind}>
          {source.summary}
        </p>
      )}
      <h2>Demo tasks</h2>
      <div className="demo-tasks">
        {tasks.map((task) => (
          <DemoCard key={task.id} task={task} busy={busy !== null} onRun={() => void runDemo(task)} />
        ))}
      </div>
      {busy && (
        <p className="muted" aria-live="polite">
          {busy}
        </p>
      )}
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      <Composer
        modelNote={source}
        running={false}
        disabled={busy !== null}
        onSend={(message) => {
          void run("Starting the chat…", () => onStart(message));
          return true;
        }}
        onStop={() => {}}
      />
    </section>
  );
}
