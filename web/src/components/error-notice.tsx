/** An error with what to do next, for API failures anywhere in the app. */
import { isApiError } from "../api/client";
import { describeIssues, nextStep } from "../chat/guidance";

/** Shows nothing for `null`; otherwise the error's message, its code and the next step. */
export function ErrorNotice({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  if (!error) return null;
  const code = isApiError(error) ? error.code : "network_error";
  const message = error instanceof Error ? error.message : String(error);
  const issues = isApiError(error) ? describeIssues((error.details as { issues?: unknown } | undefined)?.issues) : "";
  return <ErrorBox code={code} message={message} issues={issues} onDismiss={onDismiss} />;
}

/** The box itself, also used for error frames from the socket. */
export function ErrorBox(props: { code: string; message: string; issues?: string; onDismiss?: () => void }) {
  const step = props.code === "network_error" ? "Check your connection and try again." : nextStep(props.code);
  return (
    <div role="alert" className="error-box" data-code={props.code}>
      <p>
        <strong>{props.message}</strong> <code className="muted">{props.code}</code>
      </p>
      {props.issues && <p>{props.issues}</p>}
      <p>{step}</p>
      {props.onDismiss && (
        <button type="button" className="link" onClick={props.onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
