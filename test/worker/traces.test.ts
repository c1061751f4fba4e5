/**
 * Tracing end to end inside workerd: spans of real runs reach the local OTLP receiver with the right parent links,
 * `GET /v1/runs/{id}/trace` returns the tree, and feedback becomes a JSONL dataset, all tenant-scoped.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeNiah } from "../../dev/llm/fixtures";
import type { ReceivedSpan } from "../../dev/otlp-receiver";
import { getTaskStub } from "../../worker/durable/task-stub";
import { call, expectJson, newTenant, startAgentTaskOverDocument, until, useTestDb, waitForTask } from "./harness";
import { script } from "./session-client";

const handle = useTestDb();

interface TraceNode {
  id: string;
  kind: string;
  depth: number;
  status: string;
  spanId: string;
  latencyMs: number | null;
  usage: { llmCalls: number } | null;
  steps: Array<{ kind: string }>;
  children: TraceNode[];
}

async function startRun(key: string, body: Record<string, unknown>): Promise<string> {
  const { id } = await expectJson<{ id: string }>(await call("/v1/rlm/runs", { method: "POST", key, json: body }), 202);
  await until(
    async () => {
      const run = await expectJson<{ status: string }>(await call(`/v1/rlm/runs/${id}`, { key }), 200);
      return ["queued", "running"].includes(run.status) ? null : run;
    },
    `run ${id}`,
    60_000,
  );
  return id;
}

/** The spans of one trace once the span of `rootRunId`'s run has arrived (it is the last one a tree ends with). */
async function spansOf(traceRootId: string, rootName: string): Promise<ReceivedSpan[]> {
  const traceId = traceRootId.replaceAll("-", "");
  return until(
    async () => {
      const res = await fetch(`${env.OTEL_EXPORTER_OTLP_ENDPOINT}/__admin/spans?traceId=${traceId}`);
      const { spans } = (await res.json()) as { spans: ReceivedSpan[] };
      return spans.some((s) => s.name === rootName && s.parentSpanId === null) ? spans : null;
    },
    `spans of ${traceId}`,
    60_000,
  );
}

function flatten(node: TraceNode): TraceNode[] {
  return [node, ...node.children.flatMap(flatten)];
}

/** The spans the receiver holds for `runId`'s trace so far. */
async function receivedSpans(runId: string): Promise<ReceivedSpan[]> {
  const res = await fetch(`${env.OTEL_EXPORTER_OTLP_ENDPOINT}/__admin/spans?traceId=${runId.replaceAll("-", "")}`);
  return ((await res.json()) as { spans: ReceivedSpan[] }).spans;
}

describe("run traces", () => {
  it("keeps one linked trace for a run that resumes after a host restart: no span is left without its parent", async () => {
    const { apiKey } = await newTenant(handle, "otel-killed");
    const key = apiKey.secret;
    const scriptId = `killed-${crypto.randomUUID()}`;
    // The root starts a child run and a sub-call from one block, then computes long enough to be cut off.
    const block =
      'r = rlm_query("What is x?", context="x is 5")\nprint(r, llm_query("Say ok"))\nimport time\ntime.sleep(4)';
    await script(scriptId, [`\`\`\`repl\n${block}\n\`\`\``, "FINAL(5)", "FINAL(5)"]);
    const { id } = await expectJson<{ id: string }>(
      await call("/v1/rlm/runs", {
        method: "POST",
        key,
        json: {
          query: "q",
          context: "ctx",
          maxDepth: 2,
          models: { planner: `scripted:${scriptId}`, delegate: "solver" },
        },
      }),
      202,
    );
    // The child's span and the sub-call's have been exported live, under the still-running block.
    await until(
      async () => {
        const spans = await receivedSpans(id);
        const child = spans.some((s) => s.name.startsWith("invoke_agent") || s.name === "rlm.run");
        return spans.length >= 4 && child && spans.some((s) => s.attributes["gen_ai.operation.name"] === "chat");
      },
      "the child run's spans",
      20_000,
    );

    const before = await receivedSpans(id);
    const ids = new Set(before.map((s) => s.spanId));
    expect(before.filter((s) => s.parentSpanId !== null && !ids.has(s.parentSpanId)).length).toBeGreaterThan(0);

    const stub = getTaskStub(env, id);
    // A deploy or eviction ends the object mid-run: its in-memory run and span state are gone.
    await runInDurableObject(stub, (_instance, state) => state.abort("host restarted")).catch(() => {});

    // A new stub reaches the restarted object, whose watchdog resumes the run; the block is re-attached, not re-run.
    expect(await runDurableObjectAlarm(getTaskStub(env, id))).toBe(true);

    const after = await until(async () => {
      const spans = await receivedSpans(id);
      return spans.some((s) => s.parentSpanId === null) ? spans : null;
    }, "the root span");
    const all = new Set(after.map((s) => s.spanId));
    expect(after.filter((s) => s.parentSpanId !== null && !all.has(s.parentSpanId))).toEqual([]);
    expect(after.filter((s) => s.parentSpanId === null)).toHaveLength(1);
    const seen = new Set<string>();
    expect(after.filter((s) => seen.size === seen.add(s.spanId).size).map((s) => s.name)).toEqual([]);
    expect(after.map((s) => s.name)).toEqual(expect.arrayContaining(["rlm.iteration", "sandbox.exec"]));
    const run = await expectJson<{ status: string; answer: string }>(await call(`/v1/rlm/runs/${id}`, { key }), 200);
    expect(run).toMatchObject({ status: "completed", answer: "5" });
  }, 90_000);

  it("exports a depth-2 run as one linked span tree and serves it as JSON, for its own tenant only", async () => {
    const { apiKey } = await newTenant(handle, "otel");
    const key = apiKey.secret;
    const niah = makeNiah({ chars: 200_000, depth: 0.8, seed: 11 });
    const runId = await startRun(key, {
      query: niah.question,
      context: niah.context,
      models: { planner: "solver-depth2" },
      maxDepth: 2,
    });

    const trace = await expectJson<{ traceId: string; root: TraceNode }>(
      await call(`/v1/runs/${runId}/trace`, { key }),
      200,
    );
    expect(trace.traceId).toBe(runId.replaceAll("-", ""));
    expect(trace.root).toMatchObject({ id: runId, kind: "rlm", status: "completed", depth: 0 });
    expect(trace.root.latencyMs).toBeGreaterThan(0);
    expect(trace.root.steps.some((s) => s.kind === "iteration")).toBe(true);
    expect(trace.root.children.length).toBe(2);
    expect(trace.root.children.every((c) => c.depth === 1 && c.steps.length > 0)).toBe(true);

    const spans = await spansOf(runId, "rlm.run");
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    expect(byId.size).toBe(spans.length);
    // Every parent link resolves inside the trace: one root, no orphans.
    expect(spans.filter((s) => s.parentSpanId === null).map((s) => s.attributes["fleet.run.id"])).toEqual([runId]);
    for (const span of spans) if (span.parentSpanId) expect(byId.has(span.parentSpanId), span.name).toBe(true);

    const runSpans = spans.filter((s) => s.name === "rlm.run");
    expect(runSpans.map((s) => s.spanId).sort()).toEqual(
      flatten(trace.root)
        .map((n) => n.spanId)
        .sort(),
    );
    const children = runSpans.filter((s) => s.attributes["fleet.run.depth"] === 1);
    expect(children).toHaveLength(2);
    // A child run hangs under the code block whose rlm_query started it, inside the parent's iteration.
    for (const child of children) {
      const parent = byId.get(child.parentSpanId ?? "");
      expect(parent?.name).toBe("sandbox.exec");
      expect(parent?.attributes["fleet.run.id"]).toBe(runId);
      expect(byId.get(parent?.parentSpanId ?? "")?.name).toBe("rlm.iteration");
    }
    const llm = spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(llm.length).toBe(
      flatten(trace.root).reduce((n, r) => n + r.steps.filter((s) => s.kind === "llm_call").length, 0),
    );
    // The scripted LLM listens on loopback: a host no convention names is its own provider name.
    const llmHost = new URL(env.OPENAI_BASE_URL ?? "").hostname;
    for (const call of llm) {
      expect(call.kind).toBe(3);
      expect(call.attributes).toMatchObject({
        "gen_ai.provider.name": llmHost,
        "server.address": llmHost,
        "server.port": expect.any(Number),
        "gen_ai.request.model": "solver-depth2",
        "gen_ai.response.model": expect.any(String),
        "gen_ai.response.finish_reasons": [expect.any(String)],
        "gen_ai.usage.input_tokens": expect.any(Number),
        "gen_ai.usage.output_tokens": expect.any(Number),
        "gen_ai.usage.cost": expect.any(Number),
      });
      expect(["rlm.iteration", "rlm.run", "sandbox.exec"]).toContain(byId.get(call.parentSpanId ?? "")?.name);
    }
    expect(spans.some((s) => s.name === "sandbox.exec")).toBe(true);
    const requests = await (await fetch(`${env.OTEL_EXPORTER_OTLP_ENDPOINT}/__admin/requests`)).json();
    expect((requests as { requests: Array<{ headers: Record<string, string> }> }).requests[0]?.headers).toMatchObject({
      "x-otlp-token": "test token",
    });

    const other = await newTenant(handle, "otel-other");
    expect((await call(`/v1/runs/${runId}/trace`, { key: other.apiKey.secret })).status).toBe(404);
    const childId = trace.root.children[0]?.id;
    expect((await call(`/v1/runs/${childId}/trace`, { key })).status).toBe(404);
    expect((await call("/v1/runs/not-a-uuid/trace", { key })).status).toBe(404);
    expect((await call(`/v1/runs/${runId}/trace`)).status).toBe(401);
  }, 120_000);

  it("exports a failed provider call as an error span with error.type, under a failed run", async () => {
    const { apiKey } = await newTenant(handle, "otel-fail");
    const scriptId = `otel-fail-${crypto.randomUUID()}`;
    await script(scriptId, [{ error: { status: 401, message: "bad key" } }]);
    const runId = await startRun(apiKey.secret, {
      query: "q",
      context: "c",
      models: { planner: `scripted:${scriptId}` },
    });
    const spans = await spansOf(runId, "rlm.run");
    const [run] = spans.filter((s) => s.name === "rlm.run");
    expect(run?.status.code).toBe(2);
    expect(run?.attributes["error.type"]).toBe("llm_auth_failed");
    const [chat] = spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(chat?.status.code).toBe(2);
    expect(chat?.attributes).toMatchObject({ "error.type": "llm_auth_failed", "fleet.llm.purpose": "root" });
    expect(chat?.attributes["gen_ai.usage.input_tokens"]).toBeUndefined();
    // Its parent (the iteration the run ended inside) is exported too.
    expect(spans.find((s) => s.spanId === chat?.parentSpanId)?.name).toBe("rlm.iteration");
    const trace = await expectJson<{ root: TraceNode }>(
      await call(`/v1/runs/${runId}/trace`, { key: apiKey.secret }),
      200,
    );
    expect(trace.root.steps.map((s) => s.kind)).toEqual(["llm_call"]);
  }, 60_000);

  it("traces an agent task: agent → tool call → delegated run → iteration", async () => {
    const { apiKey } = await newTenant(handle, "otel-agent");
    const key = apiKey.secret;
    const niah = makeNiah({ chars: 30_000, depth: 0.5, seed: 5 });
    const taskId = await startAgentTaskOverDocument(key, niah.context, niah.question);
    const task = await waitForTask<{ status: string; runId: string }>(key, taskId, 60_000);
    expect(task.status).toBe("completed");
    const spans = await spansOf(task.runId, "invoke_agent fleet-rlm agent");
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const delegated = spans.find((s) => s.name === "rlm.run");
    const tool = byId.get(delegated?.parentSpanId ?? "");
    expect(tool?.name).toBe("execute_tool delegate_to_rlm");
    expect(byId.get(tool?.parentSpanId ?? "")?.name).toBe("invoke_agent fleet-rlm agent");
    expect(spans.some((s) => s.name === "rlm.iteration" && s.parentSpanId === delegated?.spanId)).toBe(true);

    const trace = await expectJson<{ root: TraceNode }>(await call(`/v1/runs/${task.runId}/trace`, { key }), 200);
    expect(trace.root.kind).toBe("agent");
    expect(trace.root.children.map((c) => c.kind)).toEqual(["rlm"]);
  }, 120_000);
});

describe("feedback", () => {
  it("records scores on the tenant's runs and exports them as a JSONL dataset", async () => {
    const { apiKey, tenant } = await newTenant(handle, "fb");
    const key = apiKey.secret;
    const scriptId = `fb-${crypto.randomUUID()}`;
    await script(scriptId, ["FINAL(blue)"]);
    const runId = await startRun(key, {
      query: "What colour?",
      context: "The sky is blue.",
      models: { planner: `scripted:${scriptId}` },
    });

    const created = await expectJson<{ id: string; score: number }>(
      await call("/v1/feedback", {
        method: "POST",
        key,
        json: { runId, score: -1, comment: "too terse", expectedAnswer: "Blue, by day." },
      }),
      201,
    );
    expect(created.score).toBe(-1);
    await expectJson(await call("/v1/feedback", { method: "POST", key, json: { runId, score: 1 } }), 201);

    const bad: Array<[Record<string, unknown>, string]> = [
      [{ runId, score: 0 }, "json.score"],
      [{ score: 1 }, "json.runId"],
      [{ runId: "nope", score: 1 }, "json.runId"],
      [{ runId, score: 1, comment: "x".repeat(4_001) }, "json.comment"],
    ];
    for (const [body, field] of bad) {
      const res = await expectJson<{ error: { details: { issues: Array<{ field: string }> } } }>(
        await call("/v1/feedback", { method: "POST", key, json: body }),
        400,
      );
      expect(res.error.details.issues.map((i) => i.field)).toContain(field);
    }

    const other = await newTenant(handle, "fb-other");
    const foreign = await call("/v1/feedback", { method: "POST", key: other.apiKey.secret, json: { runId, score: 1 } });
    expect(foreign.status).toBe(404);

    const res = await call("/v1/datasets/feedback.jsonl", { key });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/jsonl");
    // Read as bytes: workerd warns when .text() meets a media type it does not know to be text.
    const lines = new TextDecoder()
      .decode(await res.arrayBuffer())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.score === -1)).toEqual({
      runId,
      query: "What colour?",
      context: { kind: "inline", key: `contexts/${tenant.id}/${runId}` },
      answer: "blue",
      expectedAnswer: "Blue, by day.",
      score: -1,
      comment: "too terse",
      createdAt: expect.any(String),
    });
    const empty = await call("/v1/datasets/feedback.jsonl", { key: other.apiKey.secret });
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
    const reader = await newTenant(handle, "fb-reader", ["tasks:read"]);
    expect(
      (await call("/v1/feedback", { method: "POST", key: reader.apiKey.secret, json: { runId, score: 1 } })).status,
    ).toBe(403);
  }, 60_000);
});
