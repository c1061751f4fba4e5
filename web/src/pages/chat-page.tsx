/**
 * The chat screen: sessions sidebar, the conversation with its composer, and the live trace of the selected turn.
 * On a phone the conversation and the trace are two tabs.
 */
import { useEffect, useRef, useState } from "react";
import { loadLlmSetup } from "../api/llm-profiles";
import { createSession, downloadTranscript, getSession, type SessionDetail, updateSession } from "../api/sessions";
import { navigate } from "../app/router";
import { useLoaded } from "../app/use-loaded";
import { composerKey, saveComposerState } from "../chat/composer-state";
import { describeIssues } from "../chat/guidance";
import { describeLlmSource, type LlmSource } from "../chat/llm-source";
import { useSessionStream } from "../chat/use-session-stream";
import { ChatTurnView } from "../components/chat-turn";
import { Composer, type ComposerMessage } from "../components/composer";
import { ConnectionIndicator } from "../components/connection-indicator";
import { ErrorBox, ErrorNotice } from "../components/error-notice";
import type { FeedbackInput } from "../components/feedback";
import { SessionSidebar } from "../components/session-sidebar";
import { type StartChat, StartPanel } from "../components/start-panel";
import { TracePanel } from "../trace/trace-panel";

/** Sessions start with the server's default title; the first question names them instead. */
const DEFAULT_TITLE = "New session";

/** How long a title taken from the first message may be. */
const TITLE_CHARS = 60;

function ChatView(props: {
  session: SessionDetail;
  /** The message that created this session, sent as soon as the socket is live. */
  firstMessage: ComposerMessage | null;
  llmSource: LlmSource | null;
  onReopen(): void;
  onRename(title: string): void;
}) {
  const { session, onReopen, firstMessage } = props;
  const archived = session.status === "archived";
  const stream = useSessionStream(session.id, archived);
  const { transcript } = stream;
  const [selectedTurn, setSelectedTurn] = useState<string | null>(null);
  const [tab, setTab] = useState<"chat" | "trace">("chat");
  const [sendError, setSendError] = useState<string | null>(null);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const end = useRef<HTMLDivElement>(null);
  const running = transcript.running;
  const turnCount = transcript.turns.length;

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when a turn is added or its answer grows
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [turnCount, transcript.version]);

  const send = (message: ComposerMessage) => {
    const ok = stream.send({ type: "message", ...message, models: {} });
    setSendError(ok ? null : "Not connected: the message was not sent. It will be possible again once “Live” shows.");
    if (ok) setSelectedTurn(null);
    if (ok && turnCount === 0 && session.title === DEFAULT_TITLE) props.onRename(message.text.slice(0, TITLE_CHARS));
    return ok;
  };
  const firstSent = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: send once, when the socket first goes live
  useEffect(() => {
    if (!firstMessage || firstSent.current || stream.status.state !== "live") return;
    firstSent.current = true;
    send(firstMessage);
  }, [stream.status.state, firstMessage]);
  // Turns the server already holds, or the first message on its way: never the empty state while they load.
  const restoring = turnCount === 0 && (session.turns.length > 0 || firstMessage !== null);
  const feedback = (runId: string) => (input: FeedbackInput) => stream.send({ type: "feedback", runId, ...input });
  const reply = stream.reply;

  return (
    <div className={`chat-layout show-${tab}`} data-session-id={session.id}>
      <section className="conversation" aria-label="Conversation">
        <header className="chat-header">
          <h1>{session.title}</h1>
          <ConnectionIndicator status={stream.status} />
          <button
            type="button"
            className="transcript-download"
            disabled={turnCount === 0}
            onClick={() => downloadTranscript(session.id).then(() => setDownloadError(null), setDownloadError)}
          >
            Download transcript
          </button>
          <fieldset className="tabs">
            <legend className="visually-hidden">View</legend>
            <button type="button" aria-pressed={tab === "chat"} onClick={() => setTab("chat")}>
              Chat
            </button>
            <button type="button" aria-pressed={tab === "trace"} onClick={() => setTab("trace")}>
              Trace
            </button>
          </fieldset>
        </header>
        <div className="turns">
          {restoring && (
            <p className="muted empty" aria-live="polite">
              {session.turns.length > 0 ? "Restoring the conversation…" : "Sending your first message…"}
            </p>
          )}
          {turnCount === 0 && !restoring && (
            <p className="muted empty">Ask a question to start. Attach documents for long inputs.</p>
          )}
          {transcript.turns.map((turn) => (
            <ChatTurnView
              key={turn.turnId}
              turn={turn}
              selected={(selectedTurn ?? transcript.turns.at(-1)?.turnId) === turn.turnId}
              onSelect={() => {
                setSelectedTurn(turn.turnId);
                setTab("trace");
              }}
              onFeedback={feedback(turn.runId)}
            />
          ))}
          <div ref={end} />
        </div>
        {reply && (
          <ErrorBox
            code={String(reply.data.code ?? "error")}
            message={String(reply.data.message ?? "")}
            issues={describeIssues(reply.data.issues)}
            onDismiss={stream.dismissReply}
          />
        )}
        <ErrorNotice error={downloadError} onDismiss={() => setDownloadError(null)} />
        {sendError && (
          <p role="alert" className="error-text">
            {sendError}
          </p>
        )}
        {archived ? (
          <div className="archived-bar">
            <p>This session is archived: its history is read only.</p>
            <button type="button" className="primary" onClick={onReopen}>
              Reopen to chat
            </button>
          </div>
        ) : (
          <Composer
            stateKey={composerKey(session.id)}
            modelNote={props.llmSource}
            running={Boolean(running)}
            disabled={stream.status.state !== "live"}
            disabledReason={stream.status.state === "live" ? undefined : "Waiting for the connection…"}
            onSend={send}
            onStop={() => stream.send({ type: "cancel" })}
          />
        )}
      </section>
      <TracePanel
        trace={stream.trace}
        turnId={selectedTurn}
        version={stream.trace.version}
        applied={stream.applied}
        lastSeq={stream.lastSeq}
      />
    </div>
  );
}

/** The chat route: `/` (no session yet) or `/sessions/{id}`. */
export function ChatPage({ sessionId }: { sessionId: string | null }) {
  const [session, setSession] = useState<SessionDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const { data: llmSetup } = useLoaded(loadLlmSetup);
  // Unknown (not loaded, or not readable) says nothing rather than something untrue.
  const llmSource = llmSetup ? describeLlmSource(llmSetup) : null;
  // A draft chat becomes a session only with its first message, which the new session's view then sends.
  const [opened, setOpened] = useState<{ sessionId: string; message: ComposerMessage } | null>(null);
  const start: StartChat = async (message) => {
    const created = await createSession(message.text.slice(0, TITLE_CHARS));
    // The new session's composer starts with what its first message used.
    saveComposerState(localStorage, composerKey(created.id), {
      mode: message.mode,
      documents: message.documents,
      llmCalls: message.budget.llmCalls?.toString() ?? "",
      costUsd: message.budget.costUsd?.toString() ?? "",
    });
    setOpened({ sessionId: created.id, message });
    setReloadKey((k) => k + 1);
    navigate(`/sessions/${created.id}`);
  };

  useEffect(() => {
    setSession(null);
    setError(null);
    if (!sessionId) return;
    let cancelled = false;
    getSession(sessionId).then(
      (s) => !cancelled && setSession(s),
      (err) => !cancelled && setError(err),
    );
    return () => {
      cancelled = true;
    };
  }, [sessionId]);

  const rename = (title: string) => {
    if (!session) return;
    updateSession(session.id, { title }).then((updated) => {
      setSession((s) => (s && s.id === updated.id ? { ...s, ...updated } : s));
      setReloadKey((k) => k + 1);
    }, setError);
  };

  const reopen = async () => {
    if (!session) return;
    try {
      const updated = await updateSession(session.id, { status: "active" });
      setSession({ ...session, ...updated });
      setReloadKey((k) => k + 1);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="with-sidebar">
      <SessionSidebar
        currentId={sessionId}
        reloadKey={reloadKey}
        onSessionChanged={(updated) => setSession((s) => (s && s.id === updated.id ? { ...s, ...updated } : s))}
      />
      <main id="main" className="chat-main">
        <ErrorNotice error={error} />
        {!sessionId ? (
          <StartPanel onStart={start} source={llmSource} />
        ) : session ? (
          <ChatView
            key={`${session.id}:${session.status}`}
            session={session}
            firstMessage={opened?.sessionId === session.id ? opened.message : null}
            llmSource={llmSource}
            onReopen={reopen}
            onRename={rename}
          />
        ) : (
          !error && <p className="muted">Loading the session…</p>
        )}
      </main>
    </div>
  );
}
