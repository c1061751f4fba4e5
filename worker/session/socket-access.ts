/**
 * What a session socket may do, decided apart from the object that holds it: the scope each client frame needs, and
 * whether the credential that opened a socket still holds (checked again while it is open, once per credential).
 */
import { type Access, type Credential, parseCredential } from "../auth/credential";
import type { Scope } from "../auth/scopes";
import { hasScope } from "../auth/scopes";
import type { ClientFrame } from "../contracts/session";

/**
 * How often open sockets' credentials are checked again: a revoked key, a sign-out or a suspended tenant ends its
 * sockets within this long. One small query per session and interval, only while the session has sockets.
 */
export const ACCESS_CHECK_MS = 5_000;

/** The scope each client frame needs: watching takes read, acting takes write. */
export const FRAME_SCOPES: Record<ClientFrame["type"], Scope> = {
  resume: "sessions:read",
  message: "sessions:write",
  cancel: "sessions:write",
  feedback: "sessions:write",
};

/** What a socket's holder is: its tenant, its credential (as text) and the scopes it was opened with. */
export interface SocketHolder {
  tenantId: string;
  credential: string;
  scopes: Scope[];
}

/** Keep the socket with these scopes (narrowed if the credential lost some), or close it with a code and why. */
export type SocketDecision =
  | { keep: true; scopes: Scope[] }
  | { keep: false; code: "forbidden" | "unauthenticated"; closeCode: number; message: string };

/** Close codes in the 4000 range (application-defined, RFC 6455 §7.4.2), mirroring HTTP 401 and 403. */
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_FORBIDDEN = 4403;

/**
 * A decider for one round of checks: each distinct credential is looked up once through `check`, however many
 * sockets it opened.
 */
export function socketAccess(check: (tenantId: string, credential: Credential) => Promise<Access>) {
  const verdicts = new Map<string, Promise<Access>>();
  return async (holder: SocketHolder): Promise<SocketDecision> => {
    const key = `${holder.tenantId} ${holder.credential}`;
    let verdict = verdicts.get(key);
    if (!verdict) {
      const credential = parseCredential(holder.credential);
      verdict = credential
        ? check(holder.tenantId, credential)
        : Promise.resolve<Access>({ ok: false, reason: "revoked", message: "Reconnect to continue" });
      verdicts.set(key, verdict);
    }
    const access = await verdict;
    if (access.ok) return { keep: true, scopes: holder.scopes.filter((scope) => hasScope(access.scopes, scope)) };
    const suspended = access.reason === "suspended";
    return {
      keep: false,
      code: suspended ? "forbidden" : "unauthenticated",
      closeCode: suspended ? CLOSE_FORBIDDEN : CLOSE_UNAUTHENTICATED,
      message: access.message,
    };
  };
}
