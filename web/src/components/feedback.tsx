/** Thumbs up/down on an answer, with an optional comment and the answer that was expected. */
import { type FormEvent, useState } from "react";

/** What the feedback frame carries besides the run id. */
export interface FeedbackInput {
  score: 1 | -1;
  comment?: string;
  expectedAnswer?: string;
}

/** The widget; `saved` is the score the server confirmed (`feedback_saved`), if any. */
export function Feedback({ saved, onSend }: { saved: 1 | -1 | null; onSend(input: FeedbackInput): boolean }) {
  const [score, setScore] = useState<1 | -1 | null>(null);
  const [comment, setComment] = useState("");
  const [expected, setExpected] = useState("");
  const [failed, setFailed] = useState(false);
  if (saved !== null && score === null) {
    return <p className="muted feedback-saved">Thanks — feedback saved ({saved === 1 ? "helpful" : "not helpful"}).</p>;
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (score === null) return;
    const ok = onSend({
      score,
      ...(comment.trim() ? { comment: comment.trim() } : {}),
      ...(expected.trim() ? { expectedAnswer: expected.trim() } : {}),
    });
    setFailed(!ok);
    if (ok) setScore(null);
  };
  return (
    <form className="feedback" onSubmit={submit} aria-label="Feedback on this answer">
      <div className="row">
        <button type="button" aria-pressed={score === 1} onClick={() => setScore(1)}>
          Helpful
        </button>
        <button type="button" aria-pressed={score === -1} onClick={() => setScore(-1)}>
          Not helpful
        </button>
      </div>
      {score !== null && (
        <div className="stack">
          <label>
            Comment <span className="muted">(optional)</span>
            <textarea value={comment} onChange={(e) => setComment(e.target.value)} maxLength={4000} rows={2} />
          </label>
          <label>
            Expected answer <span className="muted">(optional)</span>
            <textarea value={expected} onChange={(e) => setExpected(e.target.value)} maxLength={20000} rows={2} />
          </label>
          <div className="row">
            <button type="submit" className="primary">
              Send feedback
            </button>
            <button type="button" onClick={() => setScore(null)}>
              Cancel
            </button>
          </div>
          {failed && (
            <p role="alert" className="error-text">
              Not connected: the feedback was not sent. Wait for “Live” and send it again.
            </p>
          )}
        </div>
      )}
    </form>
  );
}
