/**
 * Resolve-and-check for outbound URLs: the A and AAAA records of a URL's host name are looked up and every address is
 * held against the same ranges as IP literals (`./ssrf.ts`), so `evil.example` → 127.0.0.1 or 169.254.169.254 is
 * refused before anything is sent. Workers have no DNS API, so the lookup goes to a DNS-over-HTTPS resolver's JSON
 * API (Cloudflare's `https://cloudflare-dns.com/dns-query`, Google's `https://dns.google/resolve`), named by
 * `OUTBOUND_DNS_RESOLVER`; unset, the check is off (the default in dev and tests, where receivers live on loopback).
 *
 * It narrows DNS rebinding but cannot close it: `fetch` resolves the name again itself, and a name with a zero TTL
 * may answer differently the second time. Answers are cached for their TTL, at most {@link MAX_CACHE_SECONDS}.
 */
import { addressRange, type OutboundUrlCheck, parseIPv4 } from "./ssrf";

/** Looks up a host name's IPv4 and IPv6 addresses and their time to live in seconds. */
export type Resolver = (name: string) => Promise<{ addresses: string[]; ttlSeconds: number }>;

/** A minute: short enough that a changed record is seen soon, long enough that a burst of deliveries asks once. */
const MAX_CACHE_SECONDS = 60;
/** Answers kept per isolate; the oldest is dropped past this. */
const MAX_CACHE_ENTRIES = 1_000;
/** A resolver gets five seconds, well inside a webhook attempt's ten. */
const RESOLVE_TIMEOUT_MS = 5_000;
/** DNS record types (RFC 1035, RFC 3596). */
const TYPE_A = 1;
const TYPE_AAAA = 28;

interface DohAnswer {
  Status?: number;
  Answer?: Array<{ type?: number; data?: string; TTL?: number }>;
}

/**
 * A {@link Resolver} over a DNS-over-HTTPS JSON endpoint (`?name=&type=`, `accept: application/dns-json`). CNAME
 * chains are followed by the resolver; only the final A/AAAA records are read. Throws when the resolver fails or the
 * name does not exist.
 */
export function dohResolver(endpoint: string, fetchImpl: typeof fetch = fetch): Resolver {
  async function query(name: string, type: "A" | "AAAA"): Promise<DohAnswer> {
    const url = new URL(endpoint);
    url.searchParams.set("name", name);
    url.searchParams.set("type", type);
    const res = await fetchImpl(url, {
      headers: { accept: "application/dns-json" },
      redirect: "manual",
      signal: AbortSignal.timeout(RESOLVE_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`DNS resolver answered HTTP ${res.status}`);
    const body = (await res.json()) as DohAnswer;
    // 0 is NOERROR; 3 (NXDOMAIN) and the rest mean the name cannot be reached.
    if (body.Status !== 0) throw new Error(`DNS status ${body.Status}`);
    return body;
  }
  return async (name) => {
    const answers = await Promise.all([query(name, "A"), query(name, "AAAA")]);
    const records = answers.flatMap((a) => a.Answer ?? []).filter((r) => r.type === TYPE_A || r.type === TYPE_AAAA);
    return {
      addresses: records.map((r) => r.data ?? ""),
      ttlSeconds: Math.min(MAX_CACHE_SECONDS, ...records.map((r) => r.TTL ?? 0)),
    };
  };
}

/** An answer cache in front of `resolver`, kept for the isolate's life: the lookups of many requests share it. */
export function cachedResolver(resolver: Resolver, now: () => number = Date.now): Resolver {
  const cache = new Map<string, { expires: number; value: Awaited<ReturnType<Resolver>> }>();
  return async (name) => {
    const hit = cache.get(name);
    if (hit && hit.expires > now()) return hit.value;
    const value = await resolver(name);
    cache.delete(name);
    if (cache.size >= MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(name, { expires: now() + Math.min(value.ttlSeconds, MAX_CACHE_SECONDS) * 1000, value });
    return value;
  };
}

/**
 * Checks what an already accepted URL's host name resolves to. An IP literal passes through (`checkOutboundUrl`
 * judged it); a name with any blocked address, no address, or no answer is refused. With `allowPrivate` (development)
 * only cloud metadata addresses are refused, as for literals.
 * @example
 * const check = await checkResolvedUrl(checkOutboundUrl(url, options), options, resolver);
 */
export async function checkResolvedUrl(
  check: OutboundUrlCheck,
  options: { allowPrivate: boolean },
  resolver: Resolver | undefined,
): Promise<OutboundUrlCheck> {
  if (!check.ok || !resolver) return check;
  const host = check.url.hostname.replace(/\.$/, "");
  if (host.startsWith("[") || parseIPv4(host) !== null) return check;
  let addresses: string[];
  try {
    ({ addresses } = await resolver(host));
  } catch {
    return { ok: false, reason: "unresolvable" };
  }
  if (addresses.length === 0) return { ok: false, reason: "unresolvable" };
  for (const address of addresses) {
    const range = addressRange(address);
    if (range !== null && (!options.allowPrivate || range === "metadata")) {
      return { ok: false, reason: "blocked_resolution", range };
    }
  }
  return check;
}

/** The resolvers of this isolate, one per endpoint, so the cache outlives a request. */
const resolvers = new Map<string, Resolver>();

/** The resolve-and-check resolver `env` configures, or undefined when `OUTBOUND_DNS_RESOLVER` is unset (off). */
export function outboundResolver(env: { OUTBOUND_DNS_RESOLVER?: string }): Resolver | undefined {
  const endpoint = env.OUTBOUND_DNS_RESOLVER;
  if (!endpoint) return undefined;
  let resolver = resolvers.get(endpoint);
  if (!resolver) {
    resolver = cachedResolver(dohResolver(endpoint));
    resolvers.set(endpoint, resolver);
  }
  return resolver;
}
