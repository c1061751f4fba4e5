/** The client's verifier against the Worker's own signer (worker/webhooks), so the two cannot drift apart. */
import { describe, expect, it } from "vitest";
import { generateSecret, signatureHeaders } from "../../worker/webhooks/signature";
import { verifyWebhook } from "./webhooks";

const NOW = 1_800_000_000_000;
const BODY = '{"type":"task.completed","data":{"task":{"id":"t1"}}}';

async function signed(secrets: string[], timestamp = NOW / 1000, body = BODY) {
  return new Headers(await signatureHeaders({ id: "msg_1", timestamp, body, secrets }));
}

describe("verifyWebhook", () => {
  it("accepts what the Worker signs, as Headers or as Node's header record", async () => {
    const secret = generateSecret();
    const headers = await signed([secret]);
    expect(await verifyWebhook({ headers, body: BODY, secret, now: NOW })).toEqual({
      ok: true,
      id: "msg_1",
      timestamp: NOW / 1000,
    });
    const record = Object.fromEntries(headers.entries());
    const bytes = new TextEncoder().encode(BODY);
    expect((await verifyWebhook({ headers: record, body: bytes, secret, now: NOW })).ok).toBe(true);
  });

  it("accepts either secret during a rotation, from either side", async () => {
    const [old, fresh] = [generateSecret(), generateSecret()];
    const headers = await signed([fresh, old]);
    expect((await verifyWebhook({ headers, body: BODY, secret: old, now: NOW })).ok).toBe(true);
    expect((await verifyWebhook({ headers, body: BODY, secret: fresh, now: NOW })).ok).toBe(true);
    const onlyOld = await signed([old]);
    expect((await verifyWebhook({ headers: onlyOld, body: BODY, secret: [fresh, old], now: NOW })).ok).toBe(true);
  });

  it("refuses a wrong secret, a changed body, old or future timestamps and missing headers", async () => {
    const secret = generateSecret();
    const headers = await signed([secret]);
    const refusal = async (input: Partial<Parameters<typeof verifyWebhook>[0]>) => {
      const result = await verifyWebhook({ headers, body: BODY, secret, now: NOW, ...input });
      return result.ok ? "accepted" : result.reason;
    };
    expect(await refusal({ secret: generateSecret() })).toBe("bad_signature");
    expect(await refusal({ body: BODY.replace("t1", "t2") })).toBe("bad_signature");
    expect(await refusal({ now: NOW + 301_000 })).toBe("stale");
    expect(await refusal({ now: NOW - 301_000 })).toBe("future");
    expect(await refusal({ now: NOW + 299_000 })).toBe("accepted");
    expect(await refusal({ headers: new Headers({ "webhook-id": "msg_1" }) })).toBe("missing_headers");
    const badTime = new Headers(headers);
    badTime.set("webhook-timestamp", "12.5");
    expect(await refusal({ headers: badTime })).toBe("bad_timestamp");
    expect(await refusal({ secret: "not-a-secret" })).toBe("bad_secret");
  });
});
