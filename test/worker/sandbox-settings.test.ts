/**
 * The workspace's sandbox egress setting: admins choose the hosts sandbox code may reach (none by default), and a
 * run's sandbox can then reach those hosts and nothing else — against the dev sandbox server, which enforces a
 * domain allow list through its egress proxy as Daytona does with firewall rules.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectJson, newTenant, until, useTestDb } from "./harness";
import { script } from "./session-client";

const handle = useTestDb();

const put = (key: string, json: unknown) => call("/v1/settings/sandbox", { method: "PUT", key, json });

/** Runs one block in an RLM run's sandbox that fetches `urls` and answers with each outcome. */
async function probe(key: string, urls: string[]): Promise<string> {
  const scriptId = `egress-${crypto.randomUUID()}`;
  const code = [
    "import urllib.request",
    "def get(u):",
    "    try:",
    "        return str(urllib.request.urlopen(u, timeout=5).status)",
    "    except Exception as e:",
    "        return type(e).__name__",
    `FINAL(" ".join(get(u) for u in ${JSON.stringify(urls)}))`,
  ].join("\n");
  await script(scriptId, [`\`\`\`repl\n${code}\n\`\`\``]);
  const { id } = await expectJson<{ id: string }>(
    await call("/v1/rlm/runs", {
      method: "POST",
      key,
      json: { query: "q", context: "c", models: { planner: `scripted:${scriptId}` } },
    }),
    202,
  );
  const run = await until(async () => {
    const r = await expectJson<{ status: string; answer: string | null }>(
      await call(`/v1/rlm/runs/${id}`, { key }),
      200,
    );
    return ["queued", "running"].includes(r.status) ? null : r;
  }, `run ${id}`);
  expect(run.status).toBe("completed");
  return run.answer ?? "";
}

describe("sandbox egress setting", () => {
  it("is empty by default, changed by admins only, validated host by host, and per tenant", async () => {
    const { apiKey } = await newTenant(handle, "egress-api");
    const admin = apiKey.secret;
    expect(await expectJson(await call("/v1/settings/sandbox", { key: admin }), 200)).toEqual({ egressHosts: [] });
    const writer = await expectJson<{ secret: string }>(
      await call("/v1/api-keys", { method: "POST", key: admin, json: { name: "w", scopes: ["sessions:write"] } }),
      201,
    );
    expect((await put(writer.secret, { egressHosts: ["pypi.org"] })).status).toBe(403);
    for (const [hosts, field] of [
      [["https://pypi.org"], "json.egressHosts.0"],
      [["pypi.org", "10.0.0.1"], "json.egressHosts.1"],
      [["pypi.org:443"], "json.egressHosts.0"],
      [Array.from({ length: 21 }, (_, i) => `h${i}.example.com`), "json.egressHosts"],
    ] as const) {
      const res = await expectJson<{ error: { details: { issues: Array<{ field: string }> } } }>(
        await put(admin, { egressHosts: hosts }),
        400,
      );
      expect(res.error.details.issues.map((i) => i.field)).toContain(field);
    }
    expect(await expectJson(await put(admin, { egressHosts: ["PyPI.org", "*.example.com", "pypi.org"] }), 200)).toEqual(
      {
        egressHosts: ["*.example.com", "pypi.org"],
      },
    );
    expect(await expectJson(await call("/v1/settings/sandbox", { key: writer.secret }), 200)).toEqual({
      egressHosts: ["*.example.com", "pypi.org"],
    });
    const other = await newTenant(handle, "egress-other");
    expect(await expectJson(await call("/v1/settings/sandbox", { key: other.apiKey.secret }), 200)).toEqual({
      egressHosts: [],
    });
  });

  it("gives a run's sandbox no network by default, and only the allowed host once one is allowed", async () => {
    const { apiKey } = await newTenant(handle, "egress-run");
    const key = apiKey.secret;
    // The webhook receiver stands in for a host service: a plain HTTP server on the host's loopback.
    const port = new URL(String(env.RECEIVER_URL)).port;
    const urls = [`http://localhost:${port}/__admin/received?path=/egress`, `http://127.0.0.1:${port}/`];
    const blocked = (await probe(key, urls)).split(" ");
    expect(
      blocked.every((outcome) => outcome !== "200"),
      blocked.join(" "),
    ).toBe(true);
    await expectJson(await put(key, { egressHosts: ["localhost"] }), 200);
    // Allowed by name, and only by name: the same service by address is refused by the allow list.
    expect(await probe(key, urls)).toBe("200 HTTPError");
  });
});
