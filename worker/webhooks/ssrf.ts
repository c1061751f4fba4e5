/**
 * The outbound-URL guard for webhook subscriptions and LLM profile base URLs: a user-supplied URL must not make the
 * Worker call into a private network, a cloud metadata service or itself (server-side request forgery).
 *
 * What this module does: it judges the URL as written — scheme, credentials, host name and IP literals in every
 * spelling the WHATWG URL parser accepts. What it cannot see is where a public host name resolves; `./resolve.ts`
 * adds that (A/AAAA over DNS-over-HTTPS, checked against the same ranges via {@link addressRange}) when
 * `OUTBOUND_DNS_RESOLVER` is set. Even then `fetch` resolves again, so a name that flips after the check (DNS
 * rebinding) can still pass.
 *
 * What the platform adds: on Cloudflare, a Worker's subrequests may only name hosts, not IP addresses, custom ports
 * are ignored (80/443 only), and names resolve through Cloudflare's own DNS
 * (https://developers.cloudflare.com/workers/platform/known-issues/, "Fetch to IP addresses", "Custom ports"); the
 * subrequest leaves from Cloudflare's edge, not from a network of ours. Cloudflare does not document what happens to a
 * name that resolves to a loopback or private address, so the checks here do not rely on it. Self-hosted workerd
 * and `wrangler dev` have none of these limits: a subrequest there reaches whatever the host can reach, which is why
 * resolve-and-check should be on for self-hosting. Callers check on save *and* before every call, and call with
 * `redirect: "manual"` so a receiver cannot bounce the request to a URL that was never checked.
 */

/** Why a URL is refused. */
export type OutboundUrlRefusal =
  | "invalid_url"
  | "unsupported_scheme"
  | "https_required"
  | "credentials"
  | "blocked_hostname"
  | "blocked_address"
  /** The host name resolves to a blocked address (see `./resolve.ts`). */
  | "blocked_resolution"
  /** The host name could not be resolved while resolve-and-check is on: refused rather than let through unchecked. */
  | "unresolvable";

/** The kind of address that was refused, for a precise error message. */
export type BlockedRange =
  | "unspecified"
  | "loopback"
  | "private"
  | "link_local"
  | "cgnat"
  | "multicast"
  | "reserved"
  | "metadata"
  /** A name that only resolves inside a local network: `*.local`, `*.internal`, a single label. */
  | "local_name";

/** The outcome of {@link checkOutboundUrl}: the parsed URL to call, or why not. */
export type OutboundUrlCheck = { ok: true; url: URL } | { ok: false; reason: OutboundUrlRefusal; range?: BlockedRange };

/** Options of {@link checkOutboundUrl}. */
export interface OutboundUrlOptions {
  /**
   * Development only: also allow `http:`, loopback, private and local names, so a receiver on the developer's machine
   * works. Credentials and cloud metadata endpoints stay refused even then.
   */
  allowPrivate: boolean;
}

/**
 * Names of cloud metadata services (GCP answers to `metadata` and `metadata.google.internal`, EC2's resolver to
 * `instance-data`), refused even with `allowPrivate`: nothing legitimate sends webhooks there.
 */
const METADATA_HOSTNAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "instance-data",
  "instance-data.ec2.internal",
]);

/** Metadata IPs of AWS/GCP/Azure (169.254.169.254), ECS task credentials (169.254.170.2) and Alibaba Cloud. */
const METADATA_IPV4 = new Set(["169.254.169.254", "169.254.170.2", "100.100.100.200"]);

/** AWS's IPv6 instance metadata endpoint (fd00:ec2::254), as eight 16-bit groups. */
const METADATA_IPV6 = [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254];

/**
 * Suffixes that never name a public host (besides `localhost`, RFC 6761 §6.3): `local` (mDNS, RFC 6762), `internal`
 * (reserved for private use by ICANN in 2024) and `home.arpa` (RFC 8375).
 */
const LOCAL_SUFFIXES = ["local", "internal", "home.arpa"];

/**
 * IPv4 special-purpose blocks (IANA IPv4 Special-Purpose Address Registry, RFC 6890) that a public webhook receiver
 * can never live in, as [network, prefix length, kind].
 */
const BLOCKED_IPV4: ReadonlyArray<readonly [string, number, BlockedRange]> = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "cgnat"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link_local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "reserved"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "reserved"],
  ["203.0.113.0", 24, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

/**
 * Decides whether a webhook may be delivered to `url`.
 * @example
 * const check = checkOutboundUrl(body.url, { allowPrivate: env.ENVIRONMENT === "development" });
 * if (!check.ok) throw new AppError("validation_failed", "Webhook URL not allowed", { details: check });
 */
export function checkOutboundUrl(url: string | URL, options: OutboundUrlOptions): OutboundUrlCheck {
  let parsed: URL;
  try {
    // A fresh parse even for a URL object: the caller's instance could be mutated after the check.
    parsed = new URL(String(url));
  } catch {
    return { ok: false, reason: "invalid_url" };
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return { ok: false, reason: "unsupported_scheme" };
  if (parsed.protocol === "http:" && !options.allowPrivate) return { ok: false, reason: "https_required" };
  if (parsed.username !== "" || parsed.password !== "") return { ok: false, reason: "credentials" };

  // A trailing dot names the same host in DNS ("localhost." is localhost).
  const host = parsed.hostname.toLowerCase().replace(/\.$/, "");
  const isV6 = host.startsWith("[");
  const v4 = isV6 ? null : parseIPv4(host);
  const range = isV6 ? ipv6Range(host.slice(1, -1)) : v4 !== null ? ipv4Range(v4) : hostnameRange(host);
  if (range === null || (options.allowPrivate && range !== "metadata")) return { ok: true, url: parsed };
  return { ok: false, reason: isV6 || v4 !== null ? "blocked_address" : "blocked_hostname", range };
}

/**
 * The blocked range an IP address (as a DNS answer spells it: dotted IPv4 or IPv6 text) falls in, or null for a public
 * one. Used by `./resolve.ts` on what a host name resolves to.
 */
export function addressRange(address: string): BlockedRange | null {
  const text = address.toLowerCase();
  if (text.includes(":")) return ipv6Range(text);
  const v4 = parseIPv4(text);
  // Not an address at all: refused rather than guessed at, as for a malformed IPv6 literal.
  return v4 === null ? "reserved" : ipv4Range(v4);
}

function hostnameRange(host: string): BlockedRange | null {
  if (METADATA_HOSTNAMES.has(host)) return "metadata";
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  if (LOCAL_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`))) return "local_name";
  // A single-label name only resolves through a local search domain, never to a public receiver.
  if (!host.includes(".")) return "local_name";
  return null;
}

/**
 * Parses an IPv4 address in any form `inet_aton` and the WHATWG URL parser accept — `127.0.0.1`, `2130706433`,
 * `0x7f.1`, `0177.0.0.1` — to a 32-bit number, or `null` for anything else. The URL parser already canonicalises
 * these; parsing them again here keeps the guard correct if a runtime's parser ever does not.
 */
export function parseIPv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const value = parseIPv4Part(part);
    if (value === null) return null;
    numbers.push(value);
  }
  // All but the last part are single bytes; the last fills the remaining bytes (`a.b` = a.(b as 24 bits)).
  const last = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 0xff) || last >= 2 ** (8 * (4 - numbers.length))) return null;
  return numbers.reduce((acc, n, i) => acc + n * 2 ** (8 * (3 - i)), 0) + last;
}

function parseIPv4Part(part: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return Number.parseInt(part, 8);
  if (/^(0|[1-9]\d*)$/.test(part)) return Number(part);
  return null;
}

function ipv4Range(address: number): BlockedRange | null {
  if (METADATA_IPV4.has(formatIPv4(address))) return "metadata";
  for (const [network, prefix, kind] of BLOCKED_IPV4) {
    const size = 2 ** (32 - prefix);
    const start = parseIPv4(network) ?? 0;
    if (address >= start && address < start + size) return kind;
  }
  return null;
}

function formatIPv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/**
 * Parses an IPv6 address (without brackets or zone) into eight 16-bit groups, accepting `::` compression and a
 * trailing dotted IPv4 part; `null` if malformed.
 */
export function parseIPv6(text: string): number[] | null {
  let head = text;
  let tail: number[] = [];
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    const v4 = parseDottedQuad(dotted[2] ?? "");
    if (v4 === null) return null;
    tail = [Math.floor(v4 / 0x10000), v4 % 0x10000];
    // "::1.2.3.4" leaves "::"; "a:b:1.2.3.4" leaves "a:b:", whose last colon only separated the IPv4 part.
    const prefix = dotted[1] ?? "";
    head = prefix.endsWith("::") ? prefix : prefix.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string | undefined): number[] | null => {
    if (!part) return [];
    const groups: number[] = [];
    for (const group of part.split(":")) {
      if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
      groups.push(Number.parseInt(group, 16));
    }
    return groups;
  };
  const left = parse(halves[0]);
  const right = parse(halves[1]);
  if (left === null || right === null) return null;
  const explicit = left.length + right.length + tail.length;
  if (halves.length === 1) return explicit === 8 ? [...left, ...tail] : null;
  if (explicit > 7) return null;
  return [...left, ...new Array<number>(8 - explicit).fill(0), ...right, ...tail];
}

/** Strict `a.b.c.d` (decimal, no leading zeros), the only IPv4 form allowed inside an IPv6 address (RFC 4291 §2.2). */
function parseDottedQuad(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((part) => !/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255)) return null;
  return parseIPv4(text);
}

function ipv6Range(text: string): BlockedRange | null {
  const g = parseIPv6(text);
  // The URL parser only yields valid addresses; an unparsable one is refused rather than guessed at.
  if (g === null) return "reserved";
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embeddedV4 = g6 * 0x10000 + g7;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (g.every((group, i) => group === METADATA_IPV6[i])) return "metadata";
  if (upperZero && g5 === 0 && embeddedV4 === 0) return "unspecified";
  if (upperZero && g5 === 0 && embeddedV4 === 1) return "loopback";
  // ::ffff:a.b.c.d (IPv4-mapped, RFC 4291 §2.5.5.2) reaches the IPv4 host itself on a dual-stack socket.
  if (upperZero && g5 === 0xffff) return ipv4Range(embeddedV4);
  // 64:ff9b::/96 (NAT64, RFC 6052) is translated to the embedded IPv4 address by the network.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4Range(embeddedV4);
  if (g0 >= 0xfc00 && g0 <= 0xfdff) return "private";
  if (g0 >= 0xfe80 && g0 <= 0xfebf) return "link_local";
  if (g0 >= 0xff00) return "multicast";
  // Only global unicast (2000::/3) can be a public receiver; everything else — IPv4-compatible ::/96, the
  // 64:ff9b:1::/48 local NAT64, discard 100::/64, deprecated site-local fec0::/10 — is reserved.
  if (g0 < 0x2000 || g0 > 0x3fff) return "reserved";
  // Inside 2000::/3: IETF protocol assignments incl. Teredo (2001::/23), documentation (2001:db8::/32, 3fff::/20)
  // and 6to4 (2002::/16, deprecated by RFC 7526; its embedded IPv4 could be anything).
  if (g0 === 0x2001 && g1 < 0x0200) return "reserved";
  if (g0 === 0x2001 && g1 === 0x0db8) return "reserved";
  if (g0 === 0x2002) return "reserved";
  if (g0 === 0x3fff && g1 < 0x1000) return "reserved";
  return null;
}
