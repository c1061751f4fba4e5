/** The sessions sidebar: new chat, search, active/archived, rename, archive and reopen. */
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { archiveSession, listSessions, updateSession } from "../api/sessions";
import type { Session } from "../api/types";
import { navigate } from "../app/router";
import { ErrorNotice } from "./error-notice";

/** Typing pauses this long before a search request: one request per word, not per key. */
const SEARCH_DEBOUNCE_MS = 250;

function SessionItem(props: {
  session: Session;
  current: boolean;
  onChanged(updated: Session): void;
  onError(err: unknown): void;
}) {
  const { session, current } = props;
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(session.title);
  const rename = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const updated = await updateSession(session.id, { title });
      setEditing(false);
      props.onChanged(updated);
    } catch (err) {
      props.onError(err);
    }
  };
  const toggleArchive = async () => {
    try {
      props.onChanged(
        session.status === "archived"
          ? await updateSession(session.id, { status: "active" })
          : await archiveSession(session.id),
      );
    } catch (err) {
      props.onError(err);
    }
  };
  if (editing) {
    return (
      <li className="session-item">
        <form onSubmit={rename} className="row">
          <label className="visually-hidden" htmlFor={`rename-${session.id}`}>
            New title
          </label>
          <input
            id={`rename-${session.id}`}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => e.key === "Escape" && setEditing(false)}
            maxLength={200}
            required
          />
          <button type="submit">Save</button>
        </form>
      </li>
    );
  }
  return (
    <li className={`session-item${current ? " current" : ""}`}>
      <a
        className="session-link"
        href={`/sessions/${session.id}`}
        aria-current={current ? "page" : undefined}
        title={`${session.title}\nLast active ${new Date(session.updatedAt).toLocaleString()}`}
        onClick={(e) => {
          e.preventDefault();
          navigate(`/sessions/${session.id}`);
        }}
      >
        <span className="session-title">{session.title}</span>
        <time className="muted session-when" dateTime={session.updatedAt}>
          {new Date(session.updatedAt).toLocaleString(undefined, SHORT_DATE)}
        </time>
      </a>
      <span className="item-actions">
        <button type="button" className="icon" onClick={() => setEditing(true)} aria-label={`Rename ${session.title}`}>
          ✎
        </button>
        <button
          type="button"
          className="small"
          onClick={toggleArchive}
          aria-label={`${session.status === "archived" ? "Reopen" : "Archive"} ${session.title}`}
        >
          {session.status === "archived" ? "Reopen" : "Archive"}
        </button>
      </span>
    </li>
  );
}

/** "Dec 6, 21:40": enough to tell sessions apart; the full time is in the link's tooltip. */
const SHORT_DATE: Intl.DateTimeFormatOptions = { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };

/**
 * The sidebar. `reloadKey` changes when the current session changed elsewhere (reopened from the chat);
 * `onSessionChanged` hears of renames, archives and reopens made here.
 */
export function SessionSidebar(props: {
  currentId: string | null;
  reloadKey: number;
  onSessionChanged(session: Session): void;
}) {
  const { currentId, reloadKey, onSessionChanged } = props;
  const [query, setQuery] = useState("");
  const [debounced, setDebounced] = useState("");
  const [status, setStatus] = useState<"active" | "archived">("active");
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(query.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey and version are refresh triggers
  useEffect(() => {
    let cancelled = false;
    listSessions({ q: debounced || undefined, status }).then(
      (page) => !cancelled && setSessions(page.sessions),
      (err) => !cancelled && setError(err),
    );
    return () => {
      cancelled = true;
    };
  }, [debounced, status, reloadKey, version]);

  const changed = useCallback(
    (session?: Session) => {
      setVersion((v) => v + 1);
      if (session) onSessionChanged(session);
    },
    [onSessionChanged],
  );

  return (
    <nav className="sidebar" aria-label="Sessions">
      <button type="button" className="primary wide" onClick={() => navigate("/")}>
        New chat
      </button>
      <label className="visually-hidden" htmlFor="session-search">
        Search sessions
      </label>
      <input
        id="session-search"
        type="search"
        placeholder="Search sessions"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <fieldset className="segmented">
        <legend className="visually-hidden">Which sessions</legend>
        {(["active", "archived"] as const).map((s) => (
          <label key={s}>
            <input type="radio" name="session-status" checked={status === s} onChange={() => setStatus(s)} />
            {s === "active" ? "Active" : "Archived"}
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {sessions === null ? (
        <p className="muted">Loading…</p>
      ) : sessions.length === 0 ? (
        <p className="muted">{debounced ? "No session matches." : "No sessions yet."}</p>
      ) : (
        <ul className="session-list">
          {sessions.map((s) => (
            <SessionItem key={s.id} session={s} current={s.id === currentId} onChanged={changed} onError={setError} />
          ))}
        </ul>
      )}
    </nav>
  );
}
