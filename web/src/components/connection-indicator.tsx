/** The socket's state in words and colour: live, connecting, reconnecting (with the next try), or closed. */
import type { ConnectionStatus } from "../chat/connection";

function describe(status: ConnectionStatus): string {
  switch (status.state) {
    case "live":
      return "Live";
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return status.retryInMs > 0
        ? `Reconnecting in ${Math.ceil(status.retryInMs / 1000)} s (${status.reason})`
        : "Reconnecting…";
    case "closed":
      return status.reason === "archived" ? "Archived (read only)" : `Disconnected: ${status.reason}`;
  }
}

/** A small status pill; announced politely to screen readers when it changes. */
export function ConnectionIndicator({ status }: { status: ConnectionStatus }) {
  return (
    <output className={`connection connection-${status.state}`} aria-live="polite" data-state={status.state}>
      <span className="dot" aria-hidden="true" />
      {describe(status)}
    </output>
  );
}
