/**
 * Model-call content end to end inside workerd: a run keeps each call's messages and reply in R2, `GET
 * /v1/runs/{id}/steps/{index}/content` serves them to the run's tenant only, and with capture off only sizes stay.
 */
import { describe, expect, it } from "vitest";
import { makeNiah } from "../../dev/llm/fixtures";
import { call, expectJson, newTenant, until, useTestDb } from "./harness";

const handle = useTestDb();

interface Step {
  index: number;
  kind: string;
  data: Record<string, unknown>;
}
interface Content {
  runId: string;
  index: number;
  captured: boolean;
  messages: Array<{ role: string; text?: string; chars: number; truncated: boolean }>;
  reply: { text?: string; chars: number; truncated: boolean } | null;
}

async function finishedRun(key: string, chars = 60_000, seed = 3) {
  const niah = makeNiah({ chars, seed });
  const { id } = await expectJson<{ id: string }>(
    await call("/v1/rlm/runs", {
      method: "POST",
      key,
      json: { query: niah.question, context: niah.context, models: { planner: "solver" } },
    }),
    202,
  );
  await until(
    async () => {
      const run = await expectJson<{ status: string }>(await call(`/v1/rlm/runs/${id}`, { key }), 200);
      return ["queued", "running"].includes(run.status) ? null : run;
    },
    `run ${id}`,
    60_000,
  );
  const trace = await expectJson<{ root: { steps: Step[] } }>(await call(`/v1/runs/${id}/trace`, { key }), 200);
  return { id, niah, steps: trace.root.steps };
}

/** The content of a step, once its (background) write has landed. */
function contentOf(key: string, runId: string, index: number): Promise<Content> {
  return until(
    async () => {
      const res = await call(`/v1/runs/${runId}/steps/${index}/content`, { key });
      return res.status === 200 ? ((await res.json()) as Content) : null;
    },
    `content of ${runId}/${index}`,
    20_000,
  );
}

describe("trace content", () => {
  it("keeps a root call's messages and reply and a sub-call's prompt and answer, for the run's tenant only", async () => {
    const { apiKey } = await newTenant(handle, "content");
    const key = apiKey.secret;
    const { id, niah, steps } = await finishedRun(key);
    const root = steps.find((s) => s.kind === "llm_call" && s.data.purpose === "root") as Step;
    const rootContent = await contentOf(key, id, root.index);
    expect(rootContent).toMatchObject({ runId: id, index: root.index, captured: true });
    expect(rootContent.messages.map((m) => m.role)).toEqual(expect.arrayContaining(["system", "user"]));
    expect(rootContent.messages.every((m) => m.text?.length === m.chars && !m.truncated)).toBe(true);
    expect(rootContent.reply?.text).toContain("```repl");

    const subCalls = steps.filter((s) => s.kind === "llm_call" && s.data.purpose !== "root" && !s.data.error);
    expect(subCalls.length).toBeGreaterThan(0);
    const answers = await Promise.all(subCalls.map((s) => contentOf(key, id, s.index)));
    const withNeedle = answers.filter((c) => c.reply?.text?.includes(niah.value));
    expect(withNeedle.length).toBeGreaterThan(0);
    expect(withNeedle[0]?.messages.at(-1)?.text).toContain(niah.value);

    // Another tenant, an unknown run and a step without content are all 404s; a bad index names the field.
    const other = await newTenant(handle, "content-other");
    expect((await call(`/v1/runs/${id}/steps/${root.index}/content`, { key: other.apiKey.secret })).status).toBe(404);
    expect((await call(`/v1/runs/${crypto.randomUUID()}/steps/0/content`, { key })).status).toBe(404);
    const iteration = steps.find((s) => s.kind === "iteration") as Step;
    expect((await call(`/v1/runs/${id}/steps/${iteration.index}/content`, { key })).status).toBe(404);
    expect((await call(`/v1/runs/${id}/steps/999999/content`, { key })).status).toBe(404);
    const bad = await call(`/v1/runs/${id}/steps/first/content`, { key });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("index");

    // Search: the needle's value finds the sub-call that answered it (and the one it was sent to), for this tenant.
    const search = (query: string, k = key) => call(`/v1/runs/${id}/search?${query}`, { key: k });
    const found = await expectJson<{ hits: Array<Record<string, unknown>> }>(
      await search(`q=${niah.value}&kind=llm_call`),
      200,
    );
    expect(found.hits.length).toBeGreaterThan(0);
    expect(found.hits.every((h) => h.kind === "llm_call" && h.runId === id)).toBe(true);
    const answered = found.hits.find((h) => h.field === "reply");
    expect(answered?.snippet).toContain(niah.value);
    expect(withNeedle.some((c) => c.index === answered?.index)).toBe(true);
    const code = await expectJson<{ hits: Array<Record<string, unknown>> }>(
      await search("q=llm_query&kind=iteration"),
      200,
    );
    expect(code.hits[0]).toMatchObject({ kind: "iteration", field: "code" });
    expect((await expectJson<{ hits: unknown[] }>(await search("errors=true"), 200)).hits).toEqual([]);
    expect((await expectJson<{ hits: unknown[] }>(await search("depth=3"), 200)).hits).toEqual([]);
    expect((await search(`q=${niah.value}`, other.apiKey.secret)).status).toBe(404);
    const badDepth = await search("depth=deep");
    expect(badDepth.status).toBe(400);
    expect(await badDepth.text()).toContain("depth");
  }, 90_000);

  it("keeps only sizes once an admin turns capture off, and refuses the change to others and bad input", async () => {
    const { apiKey } = await newTenant(handle, "nocapture");
    const key = apiKey.secret;
    expect(await expectJson(await call("/v1/settings/trace", { key }), 200)).toEqual({ capture: true });
    const bad = await call("/v1/settings/trace", { method: "PUT", key, json: { capture: "no" } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("capture");
    const reader = await newTenant(handle, "reader", ["sessions:read"]);
    const refused = await call("/v1/settings/trace", {
      method: "PUT",
      key: reader.apiKey.secret,
      json: { capture: false },
    });
    expect(refused.status).toBe(403);
    await expectJson(await call("/v1/settings/trace", { method: "PUT", key, json: { capture: false } }), 200);
    expect(await expectJson(await call("/v1/settings/trace", { key }), 200)).toEqual({ capture: false });

    const { id, steps } = await finishedRun(key, 30_000, 4);
    const root = steps.find((s) => s.kind === "llm_call" && s.data.purpose === "root") as Step;
    const content = await contentOf(key, id, root.index);
    expect(content.captured).toBe(false);
    expect(content.messages.length).toBeGreaterThan(0);
    expect(content.messages.every((m) => m.text === undefined && m.chars > 0)).toBe(true);
    expect(content.reply?.text).toBeUndefined();
    expect(content.reply?.chars).toBeGreaterThan(0);
  }, 90_000);
});
