/**
 * Webhook signatures in the Standard Webhooks scheme (https://www.standardwebhooks.com, `spec/standard-webhooks.md`):
 * an HMAC-SHA256 over `${id}.${timestamp}.${body}` keyed by a `whsec_`-prefixed base64 secret, sent as
 * `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64>`. The same code signs outbound deliveries and
 * verifies inbound ones, so a receiver can use any Standard Webhooks library. WebCrypto only: runs in workerd and Node.
 */
import { AppError } from "../errors";

/** Header names of the scheme, lower-case as `Headers` normalises them. */
export const WEBHOOK_HEADERS = {
  id: "webhook-id",
  timestamp: "webhook-timestamp",
  signature: "webhook-signature",
} as const;

/** Prefix that marks a string as a webhook signing secret, so one pasted into the wrong field is recognisable. */
export const SECRET_PREFIX = "whsec_";

/**
 * Seconds a timestamp may lie from our clock in either direction. Five minutes, as the spec recommends: wide enough
 * for clock skew and a slow queue on the sender's side, narrow enough that a captured request soon stops replaying.
 */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** 32 random bytes for new secrets: 256 bits, SHA-256's own strength, so the key is never the weak link (spec: 24–64). */
const GENERATED_SECRET_BYTES = 32;

/** The spec's bounds on a decoded secret: under 24 bytes is too weak; past 64 (SHA-256's block) HMAC hashes the key. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/** Only `v1` (symmetric HMAC-SHA256) is implemented; `v1a` (ed25519) and unknown versions are skipped, as the spec asks. */
const SIGNATURE_VERSION = "v1";

/** Byte length of an HMAC-SHA256 tag: a `v1` signature of any other length cannot match and is not compared. */
const MAC_BYTES = 32;

/** Anything with a case-insensitive `get(name)`, like `Headers`. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** What is signed: the message id, its Unix time in seconds and the exact body bytes (or their UTF-8 text). */
export interface SignInput {
  id: string;
  /** Unix time in whole seconds, as sent in `webhook-timestamp`. */
  timestamp: number;
  body: string | Uint8Array;
  secret: string;
}

/** An inbound request to check, with every secret currently accepted for its endpoint. */
export interface VerifyInput {
  headers: HeaderSource;
  /** The raw body as received: re-serialised JSON would not match the sender's bytes. */
  body: string | Uint8Array;
  /** Active secrets, newest first; during a rotation the old and the new one are both accepted. */
  secrets: readonly string[];
  /** Our clock, in epoch milliseconds (`Date.now()`). */
  now: number;
  toleranceSeconds?: number;
}

/** Why a request failed verification; every reason is a 401 at the boundary, the reason goes to the log. */
export type VerifyFailure = "missing_headers" | "bad_timestamp" | "stale" | "future" | "bad_signature";

/** The outcome of {@link verify}: the authenticated id and timestamp, or why the request is refused. */
export type VerifyResult = { ok: true; id: string; timestamp: number } | { ok: false; reason: VerifyFailure };

/**
 * A new signing secret: `whsec_` followed by the base64 of 32 random bytes. Shown to the user once, then stored.
 * @example const secret = generateSecret(); // "whsec_q2Vb…"
 */
export function generateSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(GENERATED_SECRET_BYTES)));
}

/**
 * True for a well-formed secret: the `whsec_` prefix and 24–64 bytes of canonical base64. Use it to validate a
 * secret a user supplies before storing it; {@link sign} and {@link verify} throw on a malformed one.
 */
export function isValidSecret(secret: string): boolean {
  return decodeSecret(secret) !== null;
}

/**
 * The `webhook-signature` value for one secret: `v1,<base64 HMAC-SHA256 of "${id}.${timestamp}.${body}">`.
 * @throws {AppError} `internal` when the secret or timestamp is malformed: both come from our own storage and clock.
 * @example await sign({ id: "msg_1", timestamp: 1_700_000_000, body: '{"a":1}', secret })
 */
export async function sign(input: SignInput): Promise<string> {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw new AppError("internal", "Webhook signing failed", { internal: `bad timestamp ${input.timestamp}` });
  }
  const mac = await hmac(requireSecret(input.secret), signedContent(input.id, input.timestamp, input.body));
  return `${SIGNATURE_VERSION},${toBase64(mac)}`;
}

/**
 * The three headers of an outbound delivery, signed with every active secret (space-separated in
 * `webhook-signature`) so a receiver that has not yet switched to a rotated secret still verifies it.
 */
export async function signatureHeaders(input: {
  id: string;
  timestamp: number;
  body: string | Uint8Array;
  secrets: readonly string[];
}): Promise<Record<(typeof WEBHOOK_HEADERS)[keyof typeof WEBHOOK_HEADERS], string>> {
  const signatures = await Promise.all(input.secrets.map((secret) => sign({ ...input, secret })));
  return {
    [WEBHOOK_HEADERS.id]: input.id,
    [WEBHOOK_HEADERS.timestamp]: String(input.timestamp),
    [WEBHOOK_HEADERS.signature]: signatures.join(" "),
  };
}

/**
 * Checks an inbound request: headers present, timestamp within `toleranceSeconds` of `now`, and at least one `v1`
 * signature matching at least one active secret. Refusals are data, not exceptions. The timestamp is checked before
 * any HMAC so stale floods cost nothing; the MAC is computed once per secret (not per offered signature) and compared
 * in constant time. Replay protection within the window is the caller's: dedupe on the returned `id`.
 * @throws {AppError} `internal` when a stored secret is malformed, which is a bug rather than a bad request.
 */
export async function verify(input: VerifyInput): Promise<VerifyResult> {
  const id = input.headers.get(WEBHOOK_HEADERS.id)?.trim();
  const rawTimestamp = input.headers.get(WEBHOOK_HEADERS.timestamp)?.trim();
  const rawSignature = input.headers.get(WEBHOOK_HEADERS.signature);
  if (!id || !rawTimestamp || !rawSignature?.trim()) return { ok: false, reason: "missing_headers" };

  // The spec's timestamp is integer seconds; 15 digits bounds it inside Number's exact range.
  if (!/^\d{1,15}$/.test(rawTimestamp)) return { ok: false, reason: "bad_timestamp" };
  const timestamp = Number(rawTimestamp);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor(input.now / 1000);
  if (nowSeconds - timestamp > tolerance) return { ok: false, reason: "stale" };
  if (timestamp - nowSeconds > tolerance) return { ok: false, reason: "future" };

  const offered = parseSignatures(rawSignature);
  if (offered.length === 0) return { ok: false, reason: "bad_signature" };
  const content = signedContent(id, timestamp, input.body);
  for (const secret of input.secrets) {
    const expected = await hmac(requireSecret(secret), content);
    // No early exit inside one secret's comparisons: each one runs over all 32 bytes whatever it finds.
    let matched = false;
    for (const signature of offered) matched = constantTimeEqual(expected, signature) || matched;
    if (matched) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: "bad_signature" };
}

/** The `v1` signatures of a header, decoded; malformed entries and other versions are dropped, not fatal. */
function parseSignatures(header: string): Uint8Array[] {
  const signatures: Uint8Array[] = [];
  for (const entry of header.split(/\s+/)) {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== SIGNATURE_VERSION) continue;
    const bytes = fromBase64(entry.slice(comma + 1));
    if (bytes?.length === MAC_BYTES) signatures.push(bytes);
  }
  return signatures;
}

/** Compares two byte strings in time that depends only on their length, which is public (always 32 here). */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/** `${id}.${timestamp}.` followed by the body bytes; a byte body is signed exactly as received. */
function signedContent(id: string, timestamp: number, body: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const payload = typeof body === "string" ? encoder.encode(body) : body;
  const content = new Uint8Array(prefix.length + payload.length);
  content.set(prefix);
  content.set(payload, prefix.length);
  return content;
}

async function hmac(key: Uint8Array<ArrayBuffer>, content: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, content));
}

function requireSecret(secret: string): Uint8Array<ArrayBuffer> {
  const key = decodeSecret(secret);
  // The secret itself never goes into a message, not even the internal one.
  if (!key) throw new AppError("internal", "Webhook signing failed", { internal: "malformed webhook secret" });
  return key;
}

function decodeSecret(secret: string): Uint8Array<ArrayBuffer> | null {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const key = fromBase64(secret.slice(SECRET_PREFIX.length));
  return key && key.length >= MIN_SECRET_BYTES && key.length <= MAX_SECRET_BYTES ? key : null;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Strict standard base64 (RFC 4648 §4, padded): `atob` alone would also accept whitespace and missing padding. */
function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
