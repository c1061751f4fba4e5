/** Standard Webhooks signing and verification, checked against HMACs computed independently with node:crypto. */
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_TOLERANCE_SECONDS,
  generateSecret,
  isValidSecret,
  SECRET_PREFIX,
  sign,
  signatureHeaders,
  type VerifyInput,
  verify,
} from "./signature";

/** The reference signature, computed the long way with Node's own HMAC rather than WebCrypto. */
function referenceSignature(id: string, timestamp: number, body: string | Buffer, secret: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64");
  return `v1,${mac}`;
}

const secret = `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
const otherSecret = `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
const now = Date.parse("2026-03-01T12:00:00Z");
const nowSeconds = now / 1000;
const body = JSON.stringify({ type: "task.created", data: { title: "Q3 report ✓" } });

async function signedHeaders(over: Record<string, string> = {}, signingSecret = secret): Promise<Headers> {
  const signature = await sign({ id: "msg_1", timestamp: nowSeconds, body, secret: signingSecret });
  return new Headers({
    "webhook-id": "msg_1",
    "webhook-timestamp": String(nowSeconds),
    "webhook-signature": signature,
    ...over,
  });
}

const input = (headers: Headers, over: Partial<VerifyInput> = {}): VerifyInput => ({
  headers,
  body,
  secrets: [secret],
  now,
  ...over,
});

describe("generateSecret", () => {
  it("makes a whsec_ secret of 32 random bytes that validates", () => {
    const generated = generateSecret();
    expect(generated.startsWith("whsec_")).toBe(true);
    expect(Buffer.from(generated.slice(6), "base64")).toHaveLength(32);
    expect(isValidSecret(generated)).toBe(true);
  });

  it("never repeats", () => {
    const secrets = new Set(Array.from({ length: 50 }, generateSecret));
    expect(secrets.size).toBe(50);
  });
});

describe("isValidSecret", () => {
  it("wants the prefix, canonical base64 and 24–64 bytes", () => {
    expect(isValidSecret(`whsec_${randomBytes(24).toString("base64")}`)).toBe(true);
    expect(isValidSecret(`whsec_${randomBytes(64).toString("base64")}`)).toBe(true);
    expect(isValidSecret(randomBytes(32).toString("base64"))).toBe(false);
    expect(isValidSecret(`whsec_${randomBytes(23).toString("base64")}`)).toBe(false);
    expect(isValidSecret(`whsec_${randomBytes(65).toString("base64")}`)).toBe(false);
    expect(isValidSecret("whsec_not base64!")).toBe(false);
    expect(isValidSecret(`whsec_${randomBytes(32).toString("base64url")}`)).toBe(false);
    expect(isValidSecret("whsec_")).toBe(false);
  });
});

describe("sign", () => {
  it("reproduces the example vector published with the Standard Webhooks spec", async () => {
    const signature = await sign({
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    });
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("matches node:crypto's HMAC-SHA256 over id.timestamp.body", async () => {
    const signature = await sign({ id: "msg_1", timestamp: nowSeconds, body, secret });
    expect(signature).toBe(referenceSignature("msg_1", nowSeconds, body, secret));
  });

  it("signs a byte body exactly as given, including bytes that are not UTF-8", async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const signature = await sign({ id: "msg_2", timestamp: 1, body: new Uint8Array(bytes), secret });
    expect(signature).toBe(referenceSignature("msg_2", 1, bytes, secret));
  });

  it("throws an internal error, never echoing the secret, on a malformed secret or timestamp", async () => {
    await expect(sign({ id: "m", timestamp: 1, body: "", secret: "whsec_short" })).rejects.toMatchObject({
      code: "internal",
      internal: "malformed webhook secret",
    });
    await expect(sign({ id: "m", timestamp: 1.5, body: "", secret })).rejects.toMatchObject({ code: "internal" });
    await expect(sign({ id: "m", timestamp: -1, body: "", secret })).rejects.toMatchObject({ code: "internal" });
  });
});

describe("signatureHeaders", () => {
  it("signs with every active secret, space-separated, and both verify", async () => {
    const headers = await signatureHeaders({
      id: "msg_9",
      timestamp: nowSeconds,
      body,
      secrets: [secret, otherSecret],
    });
    expect(headers["webhook-id"]).toBe("msg_9");
    expect(headers["webhook-timestamp"]).toBe(String(nowSeconds));
    expect(headers["webhook-signature"]).toBe(
      `${referenceSignature("msg_9", nowSeconds, body, secret)} ${referenceSignature("msg_9", nowSeconds, body, otherSecret)}`,
    );
    for (const only of [secret, otherSecret]) {
      expect(await verify(input(new Headers(headers), { secrets: [only] }))).toMatchObject({ ok: true });
    }
  });
});

describe("verify", () => {
  it("accepts a request signed by an independent implementation and returns its id and timestamp", async () => {
    const headers = new Headers({
      "webhook-id": "msg_ext",
      "webhook-timestamp": String(nowSeconds),
      "webhook-signature": referenceSignature("msg_ext", nowSeconds, body, secret),
    });
    expect(await verify(input(headers))).toEqual({ ok: true, id: "msg_ext", timestamp: nowSeconds });
  });

  it("accepts a raw byte body", async () => {
    const bytes = new TextEncoder().encode(body);
    expect(await verify(input(await signedHeaders(), { body: bytes }))).toMatchObject({ ok: true });
  });

  it("refuses a request missing any of the three headers", async () => {
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const headers = await signedHeaders();
      headers.delete(name);
      expect(await verify(input(headers))).toEqual({ ok: false, reason: "missing_headers" });
    }
    expect(await verify(input(await signedHeaders({ "webhook-signature": "  " })))).toEqual({
      ok: false,
      reason: "missing_headers",
    });
  });

  it("refuses a timestamp that is not integer seconds", async () => {
    for (const timestamp of ["abc", "-5", "1.5", "1e9", "0x10", "2026-03-01T12:00:00Z", "1234567890123456"]) {
      expect(await verify(input(await signedHeaders({ "webhook-timestamp": timestamp })))).toEqual({
        ok: false,
        reason: "bad_timestamp",
      });
    }
  });

  it("accepts timestamps up to the tolerance either side, and refuses beyond it as stale or future", async () => {
    const at = async (offset: number, toleranceSeconds?: number) => {
      const timestamp = nowSeconds + offset;
      const headers = new Headers({
        "webhook-id": "msg_t",
        "webhook-timestamp": String(timestamp),
        "webhook-signature": referenceSignature("msg_t", timestamp, body, secret),
      });
      return verify(input(headers, toleranceSeconds === undefined ? {} : { toleranceSeconds }));
    };
    expect(await at(-DEFAULT_TOLERANCE_SECONDS)).toMatchObject({ ok: true });
    expect(await at(DEFAULT_TOLERANCE_SECONDS)).toMatchObject({ ok: true });
    expect(await at(-DEFAULT_TOLERANCE_SECONDS - 1)).toEqual({ ok: false, reason: "stale" });
    expect(await at(DEFAULT_TOLERANCE_SECONDS + 1)).toEqual({ ok: false, reason: "future" });
    expect(await at(-61, 60)).toEqual({ ok: false, reason: "stale" });
    expect(await at(-60, 60)).toMatchObject({ ok: true });
  });

  it("checks the clock before the signature, so a stale request with a bad signature is reported stale", async () => {
    const headers = await signedHeaders({ "webhook-timestamp": String(nowSeconds - 3600) });
    expect(await verify(input(headers))).toEqual({ ok: false, reason: "stale" });
  });

  it("refuses a tampered body, id or timestamp", async () => {
    const headers = await signedHeaders();
    expect(await verify(input(headers, { body: `${body} ` }))).toEqual({ ok: false, reason: "bad_signature" });
    headers.set("webhook-id", "msg_2");
    expect(await verify(input(headers))).toEqual({ ok: false, reason: "bad_signature" });
    const moved = await signedHeaders({ "webhook-timestamp": String(nowSeconds + 1) });
    expect(await verify(input(moved))).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses a signature made with another secret, and refuses everything with no active secret", async () => {
    expect(await verify(input(await signedHeaders({}, otherSecret)))).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verify(input(await signedHeaders(), { secrets: [] }))).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("accepts any of several active secrets during a rotation", async () => {
    const headers = await signedHeaders({}, otherSecret);
    expect(await verify(input(headers, { secrets: [secret, otherSecret] }))).toMatchObject({ ok: true });
    expect(await verify(input(headers, { secrets: [otherSecret, secret] }))).toMatchObject({ ok: true });
  });

  it("finds the valid signature among several, skipping other versions and malformed entries", async () => {
    const good = referenceSignature("msg_1", nowSeconds, body, secret);
    const wrong = referenceSignature("msg_1", nowSeconds, body, otherSecret);
    const header = `v1a,${good.slice(3)} ${wrong} garbage v1,%%% v1, v1,AAAA   ${good} v2,${good.slice(3)}`;
    expect(await verify(input(await signedHeaders({ "webhook-signature": header })))).toMatchObject({ ok: true });
  });

  it("does not accept a valid MAC under a version other than v1, or a truncated MAC", async () => {
    const good = referenceSignature("msg_1", nowSeconds, body, secret).slice(3);
    for (const header of [`v1a,${good}`, `v2,${good}`, good, `v1,${good.slice(0, 40)}`, `v1,${good.slice(0, -1)}`]) {
      expect(await verify(input(await signedHeaders({ "webhook-signature": header })))).toEqual({
        ok: false,
        reason: "bad_signature",
      });
    }
  });

  it("throws an internal error when a stored secret is malformed", async () => {
    await expect(verify(input(await signedHeaders(), { secrets: ["nope"] }))).rejects.toMatchObject({
      code: "internal",
    });
  });
});
