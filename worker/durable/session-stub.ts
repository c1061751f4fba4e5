/** The typed way to reach a session's Durable Object (kept apart from the class so Node tools never load it). */
import type { SessionDO } from "./session-do";

/** One object per chat session, named by the session's id. */
export function getSessionStub(env: Pick<Env, "SESSIONS">, sessionId: string): DurableObjectStub<SessionDO> {
  return env.SESSIONS.get(env.SESSIONS.idFromName(sessionId));
}

/** Headers the Worker sets after authenticating an upgrade; the object is reachable only through the Worker. */
export const SESSION_HEADERS = {
  tenant: "x-fleet-tenant",
  user: "x-fleet-user",
  session: "x-fleet-session",
  /** Space-separated scopes the socket is held to. */
  scopes: "x-fleet-scopes",
  /** The credential that opened it (`worker/auth/credential.ts`), re-checked while it is open. */
  credential: "x-fleet-credential",
} as const;
