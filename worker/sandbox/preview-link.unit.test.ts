/**
 * The REPL bridge through Daytona's preview proxy, which answers a stale token (every start rotates it) with a 307
 * to its login page rather than a 401: the host fetches the link again once, and never follows the redirect.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SandboxHandle } from "./provider";
import { ReplSession } from "./repl-session";

const HEALTH = { ok: true, pid: 7, busy: false, contexts: [], python: "3.14" };

/** A sandbox whose preview token rotates on every `previewLink` call, as a start does on Daytona. */
function rotatingSandbox() {
  let token = 0;
  const handle = {
    id: "sbx",
    previewLink: async () => ({ url: "https://8080-sbx.proxy.test", token: `t${++token}` }),
  } as unknown as SandboxHandle;
  return { handle, links: () => token };
}

function stubFetch(answer: (token: string, init: RequestInit) => Response) {
  const seen: Array<{ token: string; redirect: RequestRedirect | undefined }> = [];
  vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
    const token = new Headers(init.headers).get("x-daytona-preview-token") ?? "";
    seen.push({ token, redirect: init.redirect });
    return answer(token, init);
  });
  return seen;
}

const loginRedirect = () =>
  new Response(null, { status: 307, headers: { location: "https://auth.daytona.test/login" } });

afterEach(() => vi.unstubAllGlobals());

describe("preview links", () => {
  it("fetches the link again after a 307 to the login page, and never follows the redirect", async () => {
    const { handle, links } = rotatingSandbox();
    const seen = stubFetch((token) => (token === "t1" ? loginRedirect() : Response.json(HEALTH)));
    const session = await ReplSession.attach(handle, "secret");
    expect(await session.health()).toEqual(HEALTH);
    expect(links()).toBe(2);
    expect(seen).toEqual([
      { token: "t1", redirect: "manual" },
      { token: "t2", redirect: "manual" },
    ]);
  });

  it("fails clearly when the fresh link is refused too", async () => {
    const { handle } = rotatingSandbox();
    stubFetch(() => loginRedirect());
    const session = await ReplSession.attach(handle, "secret");
    await expect(session.health()).rejects.toMatchObject({
      code: "sandbox_failed",
      message: "The sandbox refused its preview link twice (HTTP 307)",
    });
  });

  it("reports the REPL's own 401 (a wrong REPL secret) as it is, without fetching a new link", async () => {
    const { handle, links } = rotatingSandbox();
    stubFetch(() => Response.json({ error: { code: "unauthorized", message: "wrong key" } }, { status: 401 }));
    const session = await ReplSession.attach(handle, "secret");
    await expect(session.health()).rejects.toMatchObject({ message: "The sandbox REPL answered 401: wrong key" });
    expect(links()).toBe(1);
  });
});
