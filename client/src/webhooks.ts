/**
 * Verifying the webhooks fleet-rlm sends (task events to subscriptions and `callbackUrl`s). They are signed in the
 * Standard Webhooks scheme: `webhook-signature: v1,<base64 HMAC-SHA256 of "${webhook-id}.${webhook-timestamp}.${body}">`
 * keyed by the endpoint's `whsec_` secret, one signature per active secret during a rotation. WebCrypto only, so it
 * runs in Node, browsers, Workers, Deno and Bun.
 */

/** Seconds a `webhook-timestamp` may lie from the receiver's clock, as the scheme recommends (replays age out). */
const DEFAULT_TOLERANCE_SECONDS = 300;
const SECRET_PREFIX = "whsec_";

/** Anything with a case-insensitive `get(name)`, like `Headers`; or a plain header record (Node's `req.headers`). */
export type WebhookHeaders = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/** A received request to check. */
export interface VerifyWebhookInput {
  headers: WebhookHeaders;
  /** The raw body exactly as received: re-serialised JSON would not match the signed bytes. */
  body: string | Uint8Array;
  /** The endpoint's secret (`whsec_…`), or every secret to accept while one is rotated. */
  secret: string | readonly string[];
  /** The receiver's clock in epoch milliseconds; defaults to `Date.now()`. */
  now?: number;
  toleranceSeconds?: number;
}

/** Why a request was refused. */
export type WebhookRefusal = "missing_headers" | "bad_timestamp" | "stale" | "future" | "bad_signature" | "bad_secret";

/** The verified message id and timestamp (dedupe on `id`: a redelivery keeps it), or why the request is refused. */
export type VerifyWebhookResult = { ok: true; id: string; timestamp: number } | { ok: false; reason: WebhookRefusal };

/**
 * Checks a webhook's headers, age and signature. Refusals are data; nothing here throws for a bad request.
 * @example
 * const result = await verifyWebhook({ headers: request.headers, body: await request.text(), secret });
 * if (!result.ok) return new Response(result.reason, { status: 401 });
 */
export async function verifyWebhook(input: VerifyWebhookInput): Promise<VerifyWebhookResult> {
  const id = header(input.headers, "webhook-id")?.trim();
  const rawTimestamp = header(input.headers, "webhook-timestamp")?.trim();
  const signatures = header(input.headers, "webhook-signature")?.trim();
  if (!id || !rawTimestamp || !signatures) return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,15}$/.test(rawTimestamp)) return { ok: false, reason: "bad_timestamp" };
  const timestamp = Number(rawTimestamp);
  const age = Math.floor((input.now ?? Date.now()) / 1000) - timestamp;
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (age > tolerance) return { ok: false, reason: "stale" };
  if (-age > tolerance) return { ok: false, reason: "future" };

  const offered = signatures
    .split(/\s+/)
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => decodeBase64(entry.slice(3)))
    .filter((bytes): bytes is Uint8Array<ArrayBuffer> => bytes?.length === 32);
  const encoder = new TextEncoder();
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const payload = typeof input.body === "string" ? encoder.encode(input.body) : input.body;
  const content = new Uint8Array(prefix.length + payload.length);
  content.set(prefix);
  content.set(payload, prefix.length);
  for (const secret of typeof input.secret === "string" ? [input.secret] : input.secret) {
    const key = secret.startsWith(SECRET_PREFIX) ? decodeBase64(secret.slice(SECRET_PREFIX.length)) : null;
    if (!key) return { ok: false, reason: "bad_secret" };
    const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const expected = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, content));
    let matched = false;
    // Constant time per comparison, and no early exit among the offered signatures.
    for (const signature of offered) matched = equalBytes(expected, signature) || matched;
    if (matched) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: "bad_signature" };
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof headers.get === "function") return (headers.get as (n: string) => string | null)(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value.join(" ") : value;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/** Strict padded base64, or null. */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
