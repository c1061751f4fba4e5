/** An error with what to do next, for API failures anywhere in the app. */
import { ApiError, isApiError } from "../api/client";
import { describeIssues, headline, nextStep } from "../chat/guidance";

/** Shows nothing for `null`; otherwise the error's message and the next step. */
export function ErrorNotice({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  if (!error) return null;
  const code = isApiError(error) ? error.code : "network_error";
  const message = error instanceof Error ? error.message : String(error);
  const issues = isApiError(error) ? describeIssues((error.details as { issues?: unknown } | undefined)?.issues) : "";
  return <ErrorBox code={code} message={message} issues={issues} onDismiss={onDismiss} />;
}

/** The box itself, also used for error frames from the socket. The code is for support and tests, not shown. */
export function ErrorBox(props: { code: string; message: string; issues?: string; onDismiss?: () => void }) {
  const step = props.code === "network_error" ? "Check your connection and try again." : nextStep(props.code);
  return (
    <div role="alert" className="error-box" data-code={props.code}>
      <p>
        <strong>{headline(props.code, props.message, Boolean(props.issues))}</strong>
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

/**
 * The same error, its message led by what it is about (a file, a setting), for failures whose message does not say.
 * @example setError(about("report.pdf", err)) // “report.pdf”: The file is over the size limit
 */
export function about(subject: string, error: unknown): ApiError {
  const message = error instanceof Error ? error.message : String(error);
  const code = isApiError(error) ? error.code : "network_error";
  const status = isApiError(error) ? error.status : 0;
  const details = isApiError(error) ? error.details : undefined;
  return new ApiError(status, code, `“${subject}”: ${message}`, details);
}
