/** Socket access decisions without a Durable Object: one lookup per credential, scopes narrowed, close codes. */
import { describe, expect, it } from "vitest";
import type { Access, Credential } from "../auth/credential";
import { socketAccess } from "./socket-access";

describe("socket access", () => {
  it("looks each credential up once, narrows scopes to what it still has, and closes the ones that lapsed", async () => {
    const looked: string[] = [];
    const answers: Record<string, Access> = {
      k1: { ok: true, scopes: ["sessions:read"] },
      k2: { ok: false, reason: "revoked", message: "The API key that opened this connection was revoked" },
      k3: { ok: false, reason: "suspended", message: "This tenant is suspended" },
    };
    const decide = socketAccess(async (_tenant, credential: Credential) => {
      const id = credential.kind === "api_key" ? credential.id : "?";
      looked.push(id);
      return answers[id] as Access;
    });
    const holder = (id: string) => ({ tenantId: "t", credential: `key:${id}`, scopes: ["sessions:write" as const] });
    expect(await decide(holder("k1"))).toEqual({ keep: true, scopes: [] });
    expect(await decide({ ...holder("k1"), scopes: ["sessions:read"] })).toEqual({
      keep: true,
      scopes: ["sessions:read"],
    });
    expect(await decide(holder("k2"))).toMatchObject({ keep: false, code: "unauthenticated", closeCode: 4401 });
    expect(await decide(holder("k3"))).toMatchObject({ keep: false, code: "forbidden", closeCode: 4403 });
    expect(await decide({ tenantId: "t", credential: "", scopes: [] })).toMatchObject({ keep: false, closeCode: 4401 });
    expect(looked).toEqual(["k1", "k2", "k3"]);
  });
});
