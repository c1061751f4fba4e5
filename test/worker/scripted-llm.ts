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
