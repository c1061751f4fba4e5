/**
 * One outbound webhook attempt: checks the target against SSRF rules again (DNS may have changed nothing, but the
 * stored URL might predate a rule), signs the body with every active secret, and POSTs without following redirects.
 */

import { checkResolvedUrl, type Resolver } from "./resolve";
import { signatureHeaders } from "./signature";
import { checkOutboundUrl } from "./ssrf";

/** A receiver gets ten seconds: enough to enqueue the event, too short to hold our alarm hostage. */
const ATTEMPT_TIMEOUT_MS = 10_000;

export interface AttemptResult {
  /** The receiver's status; null when there was no response (refused, timed out, blocked). */
  status: number | null;
  error: string | null;
  retryAfter: string | null;
}

export async function sendWebhook(input: {
  url: string;
  messageId: string;
  body: string;
  secrets: readonly string[];
  allowPrivate: boolean;
  /** Resolve-and-check of the host name (`OUTBOUND_DNS_RESOLVER`); off when absent. */
  resolver?: Resolver;
  now?: number;
  fetch?: typeof fetch;
}): Promise<AttemptResult> {
  const options = { allowPrivate: input.allowPrivate };
  const target = await checkResolvedUrl(checkOutboundUrl(input.url, options), options, input.resolver);
  if (!target.ok) return { status: null, error: `blocked: ${target.reason}`, retryAfter: null };
  const headers = await signatureHeaders({
    id: input.messageId,
    timestamp: Math.floor((input.now ?? Date.now()) / 1000),
    body: input.body,
    secrets: input.secrets,
  });
  try {
    const res = await (input.fetch ?? fetch)(target.url.toString(), {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "fleet-rlm-webhooks/1" },
      body: input.body,
      redirect: "manual",
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => {});
    return {
      status: res.status,
      error: res.ok ? null : `HTTP ${res.status}`,
      retryAfter: res.headers.get("retry-after"),
    };
  } catch (err) {
    return {
      status: null,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      retryAfter: null,
    };
  }
}
