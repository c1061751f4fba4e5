import { describe, expect, it } from "vitest";
import { createFleetClient, FleetApiError, orThrow } from "./client";

/** A fetch that records the request and answers `status` with `body`. */
function answering(status: number, body: string, seen: Request[] = []): typeof fetch {
  return async (input) => {
    seen.push(input as Request);
    return new Response(body, { status, headers: { "content-type": "application/json" } });
  };
}

describe("createFleetClient", () => {
  it("sends the API key as a bearer to the base URL", async () => {
    const seen: Request[] = [];
    const api = createFleetClient({
      baseUrl: "http://api.test/",
      apiKey: "frk_x",
      fetch: answering(200, '{"ok":true}', seen),
    });
    expect(orThrow(await api.GET("/health"))).toEqual({ ok: true });
    expect(seen[0]?.url).toBe("http://api.test/health");
    expect(seen[0]?.headers.get("authorization")).toBe("Bearer frk_x");
  });

  it("turns a refusal into a FleetApiError with the API's code, message and details", async () => {
    const body = '{"error":{"code":"not_found","message":"Task not found","details":{"id":"t1"}}}';
    const api = createFleetClient({ baseUrl: "http://api.test", fetch: answering(404, body) });
    const error = await api
      .GET("/v1/tasks/{id}", { params: { path: { id: "t1" } } })
      .then(orThrow)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetApiError);
    expect(error).toMatchObject({ status: 404, code: "not_found", message: "Task not found", details: { id: "t1" } });
  });

  it("names the status when the body is not the API's error shape", async () => {
    const api = createFleetClient({ baseUrl: "http://api.test", fetch: answering(502, "Bad gateway") });
    await expect(api.GET("/v1/me").then(orThrow)).rejects.toMatchObject({
      code: "http_502",
      message: "HTTP 502: Bad gateway",
    });
  });
});
