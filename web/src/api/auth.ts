/** Sign-in and identity: dev login (local only), who am I, sign out, WebSocket tickets. */
import { api } from "./client";
import type { Me, SignedIn } from "./types";

/** Signs in without an identity provider; the Worker refuses (403) outside development. */
export function devLogin(input: { tenant: string; email: string; name?: string }): Promise<SignedIn> {
  return api<SignedIn>("/v1/auth/dev-login", { json: input });
}

/** The signed-in principal; rejects with a 401 ApiError when there is none. */
export function fetchMe(): Promise<Me> {
  return api<Me>("/v1/me");
}

/** Clears the session cookie. */
export function logout(): Promise<void> {
  return api<void>("/v1/auth/logout", { method: "POST" });
}

/** A single-use, 60-second ticket for one session's WebSocket (never a long-lived secret in a URL). */
export async function wsTicket(sessionId: string): Promise<string> {
  const { ticket } = await api<{ ticket: string }>("/v1/ws-tickets", { json: { sessionId } });
  return ticket;
}
