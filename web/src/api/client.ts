/**
 * The one way the SPA talks HTTP to the Worker: same-origin, the session cookie always sent, and — for power users —
 * a pasted API key (kept in sessionStorage, so it dies with the tab) sent as a bearer token. Every non-2xx answer
 * becomes an {@link ApiError} carrying the API's stable `code` and its message.
 */
import type { ErrorResponse } from "./types";

const API_KEY_STORAGE = "fleet-rlm.api-key";

/** A failed API call: HTTP status plus the `{error: {code, message}}` body the Worker always sends. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** True for an {@link ApiError}, checked by its fields rather than class identity. */
export function isApiError(err: unknown): err is ApiError {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "ApiError";
}

/** The pasted API key, or null when the tab signs in with the cookie. */
export function storedApiKey(): string | null {
  return sessionStorage.getItem(API_KEY_STORAGE);
}

/** Remembers (or, with null, forgets) the API key for this tab. */
export function storeApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(API_KEY_STORAGE, key);
  else sessionStorage.removeItem(API_KEY_STORAGE);
}

/** Headers every request carries: the bearer key when one was pasted. */
export function authHeaders(): Record<string, string> {
  const key = storedApiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Turns an error response into an {@link ApiError}; bodies that are not the API's shape still give a message. */
export async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as ErrorResponse;
    return new ApiError(res.status, body.error.code, body.error.message, body.error.details);
  } catch {
    return new ApiError(res.status, `http_${res.status}`, text.slice(0, 200) || res.statusText);
  }
}

/** Options of {@link api}: a JSON body, a method, extra headers. */
export interface ApiOptions {
  method?: string;
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Calls the API and returns the parsed JSON (undefined for 204).
 * @example const me = await api<Me>("/v1/me");
 */
export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders(), ...options.headers };
  if (options.json !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method: options.method ?? (options.json === undefined ? "GET" : "POST"),
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
    credentials: "same-origin",
    signal: options.signal,
  });
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Saves what `path` answers as a file, under the name its `content-disposition` gives (else `fallbackName`). */
export async function downloadFile(path: string, fallbackName: string): Promise<void> {
  const res = await fetch(path, { headers: authHeaders(), credentials: "same-origin" });
  if (!res.ok) throw await toApiError(res);
  const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  link.click();
  // After the click has handed the blob to the download; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
