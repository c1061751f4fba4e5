// biome-ignore-all lint/suspicious/noArrayIndexKey: reasoning and warnings only ever grow at the end
/** One exchange in the transcript: the question, the agent's reasoning, the streamed answer, its ending, feedback. */
import type { ChatTurn } from "../chat/transcript";
import { Markdown } from "../markdown/markdown";
import { formatMs } from "../trace/format";
import { ErrorBox } from "./error-notice";
import { Feedback, type FeedbackInput } from "./feedback";

function TurnFooter({ turn }: { turn: ChatTurn }) {
  const took = turn.endedTs ? formatMs(turn.endedTs - turn.startedTs) : null;
  switch (turn.status) {
    case "running":
      return (
        <p className="muted turn-status" aria-live="polite">
          Working…
        </p>
      );
    case "cancelled":
      return <p className="muted turn-status">Stopped{took ? ` after ${took}` : ""}.</p>;
    case "failed":
      // Never an answer: a failed or declined turn says so first, then why and what to do.
      return (
        <>
          <p className="turn-status not-answered">Not answered.</p>
          {turn.error && <ErrorBox code={turn.error.code} message={turn.error.message} />}
        </>
      );
    case "completed":
      return (
        <p className="muted turn-status">
          Answered in {took}
          {turn.forced ? " (forced to answer: the agent ran out of steps)" : ""}
        </p>
      );
  }
}

/** The turn; `selected` marks the one the trace panel shows, `onSelect` picks it. */
export function ChatTurnView(props: {
  turn: ChatTurn;
  selected: boolean;
  onSelect(): void;
  onFeedback(input: FeedbackInput): boolean;
}) {
  const { turn } = props;
  return (
    <article
      className={`turn${props.selected ? " selected" : ""}`}
      data-status={turn.status}
      aria-busy={turn.status === "running"}
    >
      <div className="message user">
        <h2 className="visually-hidden">You</h2>
        <p className="pre-wrap">{turn.userText}</p>
        {turn.documents.length > 0 && <p className="muted">With {turn.documents.map((d) => d.name).join(", ")}</p>}
      </div>
      <div className="message assistant">
        <h2 className="visually-hidden">Assistant</h2>
        {turn.reasoning.length > 0 && (
          <details className="reasoning">
            <summary>Reasoning ({turn.reasoning.length})</summary>
            {turn.reasoning.map((text, i) => (
              <p key={`${turn.turnId}-r${i}`} className="pre-wrap muted">
                {text}
              </p>
            ))}
          </details>
        )}
        {turn.answer && (
          <div className="answer">
            <Markdown text={turn.answer} />
          </div>
        )}
        {turn.warnings.map((w, i) => (
          <p key={`${turn.turnId}-w${i}`} className="warning-text">
            {w}
          </p>
        ))}
        <TurnFooter turn={turn} />
        <div className="row">
          <button type="button" className="link" onClick={props.onSelect} aria-pressed={props.selected}>
            {props.selected ? "Trace shown" : "Show trace"}
          </button>
        </div>
        {turn.status === "completed" && <Feedback saved={turn.feedback} onSend={props.onFeedback} />}
      </div>
    </article>
  );
}
