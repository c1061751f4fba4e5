/** Chat sessions over HTTP: list/search, create, read with turns, rename, archive, reopen, and the event log. */
import { api, downloadFile } from "./client";
import type { EventPage, Session, Turn } from "./types";

/** A session with its turns, as `GET /v1/sessions/{id}` returns it. */
export type SessionDetail = Session & { turns: Turn[] };

/** One page of sessions, most recently active first. */
export function listSessions(query: {
  q?: string;
  status: "active" | "archived";
  cursor?: string;
}): Promise<{ sessions: Session[]; nextCursor: string | null }> {
  const params = new URLSearchParams({ status: query.status, limit: "50" });
  if (query.q) params.set("q", query.q);
  if (query.cursor) params.set("cursor", query.cursor);
  return api(`/v1/sessions?${params}`);
}

/** Creates a session (the title defaults on the server). */
export function createSession(title?: string): Promise<Session> {
  return api<Session>("/v1/sessions", { json: title ? { title } : {} });
}

/** A session with its turns. */
export function getSession(id: string): Promise<SessionDetail> {
  return api<SessionDetail>(`/v1/sessions/${id}`);
}

/** Renames a session or reopens an archived one. */
export function updateSession(id: string, patch: { title?: string; status?: "active" }): Promise<Session> {
  return api<Session>(`/v1/sessions/${id}`, { method: "PATCH", json: patch });
}

/** Archives a session; its history stays readable and it can be reopened. */
export function archiveSession(id: string): Promise<Session> {
  return api<Session>(`/v1/sessions/${id}`, { method: "DELETE" });
}

/** Every logged frame of a session, paged from the REST event log (used for archived, read-only sessions). */
export async function allEvents(id: string): Promise<EventPage["events"]> {
  const events: EventPage["events"] = [];
  let after = 0;
  for (;;) {
    const page = await api<EventPage>(`/v1/sessions/${id}/events?after=${after}&limit=1000`);
    events.push(...page.events);
    if (!page.hasMore || page.lastSeq === after) return events;
    after = page.lastSeq;
  }
}

/** Saves the session's Markdown transcript as a file, under the name the server gives it. */
export function downloadTranscript(id: string): Promise<void> {
  return downloadFile(`/v1/sessions/${id}/transcript`, "transcript.md");
}
