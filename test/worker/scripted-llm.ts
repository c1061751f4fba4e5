/** The scripted LLM server's admin API, for tests inside workerd: queue replies, read what it received. */
import { env } from "cloudflare:workers";
import { expect } from "vitest";

/** Queues `replies` for the model `scripted:<scriptId>`, replacing any left from before. */
export async function scriptReplies(scriptId: string, replies: unknown[]): Promise<void> {
  const res = await fetch(`${env.LLM_ADMIN_URL}/__admin/script`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ scriptId, replies, replace: true }),
  });
  expect(res.status).toBe(200);
}

/** A fresh queue with `replies`; returns its model name. */
export async function scriptedModel(replies: unknown[], label = "test"): Promise<string> {
  const scriptId = `${label}-${crypto.randomUUID()}`;
  await scriptReplies(scriptId, replies);
  return `scripted:${scriptId}`;
}

/** The requests the scripted server logged for `model`, oldest first, in the shape the caller reads. */
export async function llmRequests<T>(model: string): Promise<T[]> {
  const res = await fetch(`${env.LLM_ADMIN_URL}/__admin/requests?model=${encodeURIComponent(model)}`);
  return ((await res.json()) as { requests: T[] }).requests;
}

/**
 * Makes the scripted server answer the next request for a fresh model with a 307 to a path of the local webhook
 * receiver (another server); returns the model and that path, whose requests {@link receivedAt} reads.
 */
export async function redirectingModel(): Promise<{ model: string; target: string }> {
  const model = `redirect-${crypto.randomUUID()}`;
  const target = `/llm-redirect/${crypto.randomUUID()}/chat/completions`;
  const res = await fetch(`${env.LLM_ADMIN_URL}/__admin/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ failNext: { status: 307, location: `${env.RECEIVER_URL}${target}`, model } }),
  });
  expect(res.status).toBe(200);
  return { model, target };
}

/** What the local webhook receiver got at `path`. */
export async function receivedAt(path: string): Promise<unknown[]> {
  const res = await fetch(`${env.RECEIVER_URL}/__admin/received?path=${encodeURIComponent(path)}`);
  return ((await res.json()) as { requests: unknown[] }).requests;
}
