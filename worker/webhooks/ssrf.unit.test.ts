/** The outbound-URL guard: what a webhook subscription may point at, in production and in development. */
import { describe, expect, it } from "vitest";
import { checkOutboundUrl, parseIPv4, parseIPv6 } from "./ssrf";

const strict = { allowPrivate: false };
const dev = { allowPrivate: true };

describe("checkOutboundUrl: accepted", () => {
  it("accepts public https URLs and returns the parsed URL", () => {
    const check = checkOutboundUrl("https://hooks.example.com:8443/in?x=1#frag", strict);
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.url.href).toBe("https://hooks.example.com:8443/in?x=1#frag");
    for (const url of [
      "https://8.8.8.8/",
      "https://[2606:4700:4700::1111]/",
      "https://1.1.1.1./x",
      "https://xn--bcher-kva.de/",
    ]) {
      expect(checkOutboundUrl(url, strict)).toMatchObject({ ok: true });
    }
  });

  it("accepts a URL object and re-parses it", () => {
    const url = new URL("https://hooks.example.com/");
    const check = checkOutboundUrl(url, strict);
    expect(check.ok && check.url !== url && check.url.href === url.href).toBe(true);
  });

  it("accepts addresses just outside the blocked ranges", () => {
    for (const host of ["9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0"]) {
      expect(checkOutboundUrl(`https://${host}/`, strict)).toMatchObject({ ok: true });
    }
    for (const host of ["169.253.255.255", "192.167.255.255", "192.169.0.0", "223.255.255.255", "198.20.0.0"]) {
      expect(checkOutboundUrl(`https://${host}/`, strict)).toMatchObject({ ok: true });
    }
  });
});

describe("checkOutboundUrl: scheme and credentials", () => {
  it("refuses unparsable URLs", () => {
    for (const url of ["", "not a url", "https://", "https://exa mple.com/", "https://[::1/"]) {
      expect(checkOutboundUrl(url, strict)).toEqual({ ok: false, reason: "invalid_url" });
    }
  });

  it("refuses schemes other than http(s), even in development", () => {
    for (const url of [
      "ftp://example.com/",
      "file:///etc/passwd",
      "gopher://example.com/",
      "data:text/plain,x",
      "ws://example.com/",
    ]) {
      expect(checkOutboundUrl(url, dev)).toEqual({ ok: false, reason: "unsupported_scheme" });
    }
    expect(checkOutboundUrl("javascript:alert(1)", strict)).toEqual({ ok: false, reason: "unsupported_scheme" });
  });

  it("requires https unless private targets are allowed", () => {
    expect(checkOutboundUrl("http://hooks.example.com/", strict)).toEqual({ ok: false, reason: "https_required" });
    expect(checkOutboundUrl("HTTP://hooks.example.com/", strict)).toEqual({ ok: false, reason: "https_required" });
    expect(checkOutboundUrl("http://hooks.example.com/", dev)).toMatchObject({ ok: true });
  });

  it("refuses credentials in the URL, even in development", () => {
    for (const url of ["https://user:pass@example.com/", "https://user@example.com/", "https://:pw@example.com/"]) {
      expect(checkOutboundUrl(url, strict)).toEqual({ ok: false, reason: "credentials" });
      expect(checkOutboundUrl(url, dev)).toEqual({ ok: false, reason: "credentials" });
    }
  });
});

describe("checkOutboundUrl: host names", () => {
  it("refuses localhost and local-only names", () => {
    const cases: Array<[string, string]> = [
      ["localhost", "loopback"],
      ["LOCALHOST.", "loopback"],
      ["api.localhost", "loopback"],
      ["printer.local", "local_name"],
      ["db.internal", "local_name"],
      ["router.home.arpa", "local_name"],
      ["intranet", "local_name"],
    ];
    for (const [host, range] of cases) {
      expect(checkOutboundUrl(`https://${host}/hook`, strict)).toEqual({
        ok: false,
        reason: "blocked_hostname",
        range,
      });
      expect(checkOutboundUrl(`http://${host}/hook`, dev)).toMatchObject({ ok: true });
    }
  });

  it("sees through IDNA spellings of localhost", () => {
    expect(checkOutboundUrl("https://ｌｏｃａｌｈｏｓｔ/", strict)).toMatchObject({ ok: false, range: "loopback" });
  });

  it("does not mistake public names that merely contain a blocked word", () => {
    for (const host of ["localhost.example.com", "internal.example.com", "mylocal.dev", "metadata.example.com"]) {
      expect(checkOutboundUrl(`https://${host}/`, strict)).toMatchObject({ ok: true });
    }
  });

  it("refuses cloud metadata names even in development", () => {
    for (const host of ["metadata", "metadata.google.internal", "Metadata.Google.Internal.", "instance-data"]) {
      expect(checkOutboundUrl(`http://${host}/computeMetadata/v1/`, dev)).toEqual({
        ok: false,
        reason: "blocked_hostname",
        range: "metadata",
      });
    }
  });
});

describe("checkOutboundUrl: IPv4 literals", () => {
  const refused: Array<[string, string]> = [
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["10.1.2.3", "private"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.1.1", "link_local"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.10", "reserved"],
    ["192.168.1.1", "private"],
    ["198.18.0.1", "reserved"],
    ["198.19.255.255", "reserved"],
    ["198.51.100.7", "reserved"],
    ["203.0.113.9", "reserved"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
  ];

  it.each(refused)("refuses %s as %s", (host, range) => {
    expect(checkOutboundUrl(`https://${host}/`, strict)).toEqual({ ok: false, reason: "blocked_address", range });
  });

  it("refuses shorthand, decimal, octal and hex spellings of loopback", () => {
    for (const url of [
      "http://2130706433/",
      "http://0x7f.1/",
      "http://0x7f000001/",
      "http://017700000001/",
      "http://0177.0.0.1/",
      "http://127.1/",
      "http://127.0.1/",
      "http://0x7F.0.0.0x1/",
      "http://127.0.0.1./",
      "http://0/",
    ]) {
      const check = checkOutboundUrl(url.replace("http:", "https:"), strict);
      expect(check, url).toMatchObject({ ok: false, reason: "blocked_address" });
    }
  });

  it("allows private ranges in development but never the metadata addresses", () => {
    expect(checkOutboundUrl("http://127.0.0.1:8787/hook", dev)).toMatchObject({ ok: true });
    expect(checkOutboundUrl("http://192.168.1.20/hook", dev)).toMatchObject({ ok: true });
    for (const host of ["169.254.169.254", "0xa9fea9fe", "2852039166", "169.254.170.2", "100.100.100.200"]) {
      expect(checkOutboundUrl(`http://${host}/latest/meta-data/`, dev)).toEqual({
        ok: false,
        reason: "blocked_address",
        range: "metadata",
      });
    }
  });
});

describe("checkOutboundUrl: IPv6 literals", () => {
  const refused: Array<[string, string]> = [
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["fc00::1", "private"],
    ["fd12:3456:789a::1", "private"],
    ["fe80::1", "link_local"],
    ["febf::1", "link_local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "metadata"],
    ["64:ff9b::10.0.0.1", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b:1::1", "reserved"],
    ["::127.0.0.1", "reserved"],
    ["::8.8.8.8", "reserved"],
    ["100::1", "reserved"],
    ["fec0::1", "reserved"],
    ["2001::1", "reserved"],
    ["2001:db8::1", "reserved"],
    ["2002:7f00:1::1", "reserved"],
    ["3fff::1", "reserved"],
    ["fd00:ec2::254", "metadata"],
  ];

  it.each(refused)("refuses [%s] as %s", (host, range) => {
    expect(checkOutboundUrl(`https://[${host}]/`, strict)).toEqual({ ok: false, reason: "blocked_address", range });
  });

  it("accepts public IPv6 and NAT64 of a public IPv4", () => {
    for (const host of [
      "2606:4700::1111",
      "2a00:1450:4001::200e",
      "64:ff9b::8.8.8.8",
      "::ffff:8.8.8.8",
      "2001:4860::1",
    ]) {
      expect(checkOutboundUrl(`https://[${host}]/`, strict), host).toMatchObject({ ok: true });
    }
  });

  it("allows private IPv6 in development, except the metadata address", () => {
    expect(checkOutboundUrl("http://[::1]:8787/", dev)).toMatchObject({ ok: true });
    expect(checkOutboundUrl("http://[fd00:ec2::254]/", dev)).toMatchObject({ ok: false, range: "metadata" });
  });
});

describe("parseIPv4", () => {
  it("parses every inet_aton form", () => {
    expect(parseIPv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIPv4("2130706433")).toBe(0x7f000001);
    expect(parseIPv4("0x7f.1")).toBe(0x7f000001);
    expect(parseIPv4("0177.0.0.01")).toBe(0x7f000001);
    expect(parseIPv4("10.65535")).toBe(0x0a00ffff);
    expect(parseIPv4("10.1.65535")).toBe(0x0a01ffff);
    expect(parseIPv4("0x")).toBe(0);
    expect(parseIPv4("255.255.255.255")).toBe(0xffffffff);
  });

  it("rejects names and out-of-range parts", () => {
    for (const host of [
      "example.com",
      "1.2.3.4.5",
      "256.0.0.1",
      "1.2.3.256",
      "4294967296",
      "1.16777216",
      "08.0.0.1",
      "1..2",
      "",
    ]) {
      expect(parseIPv4(host), host).toBeNull();
    }
  });
});

describe("parseIPv6", () => {
  it("expands compression and embedded IPv4", () => {
    expect(parseIPv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6("1::")).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIPv6("1:2:3:4:5:6:7.8.9.10")).toEqual([1, 2, 3, 4, 5, 6, 0x0708, 0x090a]);
    expect(parseIPv6("2001:DB8::8:800:200C:417A")).toEqual([0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]);
  });

  it("rejects malformed addresses", () => {
    for (const text of [
      "",
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "::1.2.3",
      "::01.2.3.4",
      "g::1",
    ]) {
      expect(parseIPv6(text), text).toBeNull();
    }
  });
});
