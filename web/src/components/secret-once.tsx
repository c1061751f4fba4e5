/** A secret shown once (a new API key, a webhook signing secret), with a copy button and an explicit dismissal. */
import { useState } from "react";

/** Shows `secret` until the user says they stored it. */
export function SecretOnce(props: { title: string; secret: string; testId: string; onDone(): void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="card secret-once" role="status">
      <h3>{props.title}</h3>
      <p>
        Copy it now: <strong>it is shown only once here</strong>.
      </p>
      <div className="row">
        <code className="secret" data-testid={props.testId}>
          {props.secret}
        </code>
        <button
          type="button"
          onClick={() => void navigator.clipboard?.writeText(props.secret).then(() => setCopied(true))}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <button type="button" onClick={props.onDone}>
        I have stored it
      </button>
    </div>
  );
}
