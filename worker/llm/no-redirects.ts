/**
 * The gateway's `fetch`: redirects are never followed. A profile's base URL passed the SSRF check, but a 3xx could
 * send the prompt, the context and the key on to any address — a private one included — that nothing checked (the
 * same rule as outbound webhooks). With `redirect: "manual"` the 3xx itself is the response; the SDK reports it as an
 * HTTP error and `./errors.ts` turns it into an `upstream_error` that names the endpoint.
 */
import type { FetchLike } from "./types";

/** `fetchImpl` with every request's `redirect` forced to `"manual"`. */
export function withoutRedirects(fetchImpl: FetchLike): FetchLike {
  return (input, init) => fetchImpl(input, { ...init, redirect: "manual" });
}
