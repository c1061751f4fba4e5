import { describe, expect, it } from "vitest";
import { cachedResolver, checkResolvedUrl, dohResolver, type Resolver } from "./resolve";
import { checkOutboundUrl } from "./ssrf";

const production = { allowPrivate: false };

/** A resolver from a fixed table, counting its lookups. */
function table(records: Record<string, string[]>): Resolver & { lookups: number } {
  const resolver = Object.assign(
    async (name: string) => {
      resolver.lookups += 1;
      const addresses = records[name];
      if (!addresses) throw new Error("NXDOMAIN");
      return { addresses, ttlSeconds: 30 };
    },
    { lookups: 0 },
  );
  return resolver;
}

const dns = table({
  "loopback.example.com": ["127.0.0.1"],
  "metadata.example.com": ["169.254.169.254"],
  "v6-loopback.example.com": ["::1"],
  "ula.example.com": ["fd12:3456::1"],
  "mapped.example.com": ["::ffff:10.0.0.1"],
  "mapped-hex.example.com": ["::ffff:a9fe:a9fe"],
  "mixed.example.com": ["93.184.216.34", "10.1.2.3"],
  "public.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
  "empty.example.com": [],
});

/** `resolver` null: resolve-and-check off. */
const check = (url: string, options = production, resolver: Resolver | null = dns) =>
  checkResolvedUrl(checkOutboundUrl(url, options), options, resolver ?? undefined);

describe("checkResolvedUrl", () => {
  it("refuses names that resolve to loopback, metadata, ULA and IPv4-mapped private addresses", async () => {
    expect(await check("https://loopback.example.com/hook")).toEqual({
      ok: false,
      reason: "blocked_resolution",
      range: "loopback",
    });
    expect(await check("https://metadata.example.com/v1")).toMatchObject({ ok: false, range: "metadata" });
    expect(await check("https://v6-loopback.example.com/")).toMatchObject({ ok: false, range: "loopback" });
    expect(await check("https://ula.example.com/")).toMatchObject({ ok: false, range: "private" });
    expect(await check("https://mapped.example.com/")).toMatchObject({ ok: false, range: "private" });
    expect(await check("https://mapped-hex.example.com/")).toMatchObject({ ok: false, range: "metadata" });
    // One bad address among good ones is enough: fetch may pick any of them.
    expect(await check("https://mixed.example.com/")).toMatchObject({ ok: false, range: "private" });
  });

  it("allows a name whose every address is public", async () => {
    const result = await check("https://public.example.com/v1");
    expect(result.ok && result.url.href).toBe("https://public.example.com/v1");
  });

  it("refuses a name that does not resolve, or to nothing, rather than let it through unchecked", async () => {
    expect(await check("https://nxdomain.example.com/")).toEqual({ ok: false, reason: "unresolvable" });
    expect(await check("https://empty.example.com/")).toEqual({ ok: false, reason: "unresolvable" });
  });

  it("is off without a resolver, keeps earlier refusals, and in development refuses only metadata", async () => {
    expect((await check("https://loopback.example.com/", production, null)).ok).toBe(true);
    expect(await check("http://public.example.com/")).toEqual({ ok: false, reason: "https_required" });
    const dev = { allowPrivate: true };
    expect((await check("http://loopback.example.com/", dev)).ok).toBe(true);
    expect(await check("http://metadata.example.com/", dev)).toMatchObject({ ok: false, range: "metadata" });
  });

  it("does not look up IP literals, which the URL check already judged", async () => {
    const counting = table({});
    expect((await check("https://93.184.216.34/", production, counting)).ok).toBe(true);
    expect((await check("https://[2606:2800:220:1::1]/", production, counting)).ok).toBe(true);
    expect(counting.lookups).toBe(0);
  });
});

describe("cachedResolver", () => {
  it("answers from the cache until the TTL (at most a minute) runs out", async () => {
    let now = 0;
    const inner = table({ "public.example.com": ["93.184.216.34"] });
    const cached = cachedResolver(inner, () => now);
    await cached("public.example.com");
    now = 29_000;
    await cached("public.example.com");
    expect(inner.lookups).toBe(1);
    now = 31_000;
    await cached("public.example.com");
    expect(inner.lookups).toBe(2);
  });
});

describe("dohResolver", () => {
  it("asks for A and AAAA records as JSON and reads only address answers", async () => {
    const asked: string[] = [];
    const fake = (async (input: URL | RequestInfo, init?: RequestInit) => {
      const url = new URL(String(input));
      asked.push(
        `${url.searchParams.get("name")} ${url.searchParams.get("type")} ${new Headers(init?.headers).get("accept")}`,
      );
      const answers =
        url.searchParams.get("type") === "A"
          ? [
              { type: 5, data: "target.example.net.", TTL: 300 },
              { type: 1, data: "127.0.0.1", TTL: 20 },
            ]
          : [];
      return Response.json({ Status: 0, Answer: answers });
    }) as typeof fetch;
    const result = await dohResolver("https://dns.test/dns-query", fake)("rebind.example.com");
    expect(result).toEqual({ addresses: ["127.0.0.1"], ttlSeconds: 20 });
    expect(asked.sort()).toEqual([
      "rebind.example.com A application/dns-json",
      "rebind.example.com AAAA application/dns-json",
    ]);
    const nx = (async () => Response.json({ Status: 3 })) as typeof fetch;
    await expect(dohResolver("https://dns.test/dns-query", nx)("missing.example.com")).rejects.toThrow(/status 3/);
  });
});
