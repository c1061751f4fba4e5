/**
 * The strict receiver against the Worker's own encoders: a depth-2 run tree built by the span builder is exported in
 * both OTLP/HTTP encodings and must decode (protobuf with the official definitions) to the same linked spans, and
 * malformed requests are refused whole, as a strict collector refuses them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunOutcome } from "../worker/rlm";
import { otlpExporter } from "../worker/trace/exporter";
import type { OtlpProtocol } from "../worker/trace/otlp";
import type { SpanRecord } from "../worker/trace/span";
import { spanBuilder } from "../worker/trace/span-builder";
import { type OtlpReceiver, type ReceivedRequest, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver";

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.stop());

function outcome(): RunOutcome {
  const usage = { llmCalls: 3, promptTokens: 300, completionTokens: 30, cachedTokens: 0, costUsd: 0 };
  return {
    status: "completed",
    answer: "a",
    forced: false,
    iterations: 1,
    endReason: null,
    error: null,
    usage,
    wallMs: 1,
  };
}

/** A depth-2 tree (root → child → grandchild) with a sub-call under a code block and a failed provider call. */
function depth2Spans(rootRunId: string): SpanRecord[] {
  const spans: SpanRecord[] = [];
  let clock = 1_700_000_000_000;
  const b = spanBuilder({ tenantId: "t", onSpan: (s) => spans.push(s), now: () => clock });
  const call = (purpose: string, extra: Record<string, unknown> = {}) => ({
    kind: "llm_call" as const,
    data: { purpose, requestModel: "m", model: "m-1", cachedTokens: 0, finishReason: "stop", ...extra },
    promptTokens: 100,
    completionTokens: 10,
    costUsd: 0,
    latencyMs: 5,
    endpoint: "https://api.openai.com/v1",
  });
  const iteration = {
    kind: "iteration" as const,
    data: { turn: 0, final: "x", blocks: [{ ms: 5, code: "y" }] },
    latencyMs: 40,
  };
  const ids = [rootRunId, crypto.randomUUID(), crypto.randomUUID()];
  ids.forEach((runId, depth) => {
    clock += 10;
    const parentRunId = depth === 0 ? null : (ids[depth - 1] as string);
    b.started?.({ runId, parentRunId, rootRunId, depth, query: "q", parentExec: { turn: 0, block: 0 } });
    clock += 10;
    b.step?.(runId, call("root"));
  });
  for (const runId of [...ids].reverse()) {
    clock += 10;
    b.step?.(runId, call("llm_query", { exec: { turn: 0, block: 0 } }));
    b.step?.(runId, {
      kind: "llm_call",
      data: {
        purpose: "llm_query",
        requestModel: "m",
        exec: { turn: 0, block: 0 },
        error: { code: "rate_limited", message: "429" },
      },
      latencyMs: 3,
      endpoint: "https://api.openai.com/v1",
    });
    clock += 10;
    b.step?.(runId, iteration);
    b.ended?.(runId, outcome());
  }
  return spans;
}

async function exportAll(spans: SpanRecord[], protocol: OtlpProtocol): Promise<void> {
  const exporter = otlpExporter({
    url: `${receiver.url}/v1/traces`,
    headers: {},
    resource: { serviceName: "fleet-rlm" },
    protocol,
    log: (line) => {
      throw new Error(line);
    },
  });
  for (const span of spans) exporter.add(span);
  await exporter.flush();
}

async function received(traceId: string): Promise<ReceivedSpan[]> {
  const res = await fetch(`${receiver.url}/__admin/spans?traceId=${traceId}`);
  return ((await res.json()) as { spans: ReceivedSpan[] }).spans;
}

async function lastRequest(): Promise<ReceivedRequest | undefined> {
  const { requests } = (await (await fetch(`${receiver.url}/__admin/requests`)).json()) as {
    requests: ReceivedRequest[];
  };
  return requests.at(-1);
}

describe("the OTLP receiver and the Worker's encoders", () => {
  it("decodes a depth-2 run in both encodings to the same linked spans, one root, every parent present", async () => {
    const decoded: Record<string, ReceivedSpan[]> = {};
    for (const protocol of ["http/json", "http/protobuf"] as const) {
      const rootRunId = crypto.randomUUID();
      const spans = depth2Spans(rootRunId);
      await exportAll(spans, protocol);
      expect(await lastRequest()).toMatchObject({
        status: 200,
        contentType: protocol === "http/json" ? "application/json" : "application/x-protobuf",
      });
      const got = await received(rootRunId.replaceAll("-", ""));
      expect(got).toHaveLength(spans.length);
      const ids = new Set(got.map((s) => s.spanId));
      expect(got.filter((s) => s.parentSpanId === null).map((s) => s.name)).toEqual(["rlm.run"]);
      for (const s of got) if (s.parentSpanId) expect(ids.has(s.parentSpanId), s.name).toBe(true);
      expect(
        got
          .filter((s) => s.name === "rlm.run")
          .map((s) => s.attributes["fleet.run.depth"])
          .sort(),
      ).toEqual([0, 1, 2]);
      const failed = got.filter((s) => s.attributes["error.type"] === "rate_limited");
      expect(failed).toHaveLength(3);
      expect(failed.every((s) => s.status.code === 2 && s.attributes["gen_ai.usage.input_tokens"] === undefined)).toBe(
        true,
      );
      const ok = got.find((s) => s.attributes["fleet.llm.purpose"] === "llm_query" && s.status.code !== 2);
      expect(ok?.attributes).toMatchObject({
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.cache_read.input_tokens": 0,
        "fleet.llm.cost_usd": 0,
        "server.port": 443,
      });
      // Ids differ per run; everything else must be identical across the encodings.
      decoded[protocol] = got
        .map((s) => ({
          ...s,
          traceId: "",
          spanId: "",
          parentSpanId: s.parentSpanId && "p",
          attributes: { ...s.attributes, "fleet.run.id": "", "fleet.run.parent_id": "" },
        }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.startTimeUnixNano.localeCompare(b.startTimeUnixNano));
    }
    expect(decoded["http/protobuf"]).toEqual(decoded["http/json"]);
  });

  it("types every attribute as the JSON mapping says and refuses a malformed request whole", async () => {
    const post = (body: unknown, type = "application/json") =>
      fetch(`${receiver.url}/v1/traces`, {
        method: "POST",
        headers: { "content-type": type },
        body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
      });
    const request = (value: unknown, extra: Record<string, unknown> = {}) => ({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: "1".repeat(32),
                  spanId: "2".repeat(16),
                  name: "s",
                  kind: 1,
                  startTimeUnixNano: "1",
                  endTimeUnixNano: 2,
                  attributes: [{ key: "k", value }],
                  ...extra,
                },
              ],
            },
          ],
        },
      ],
    });
    expect((await post(request({ intValue: "12" }))).status).toBe(200);
    expect((await post(request({ intValue: 12 }))).status).toBe(200);
    for (const bad of [
      { intValue: "1e+21" },
      { intValue: 1.5 },
      { intValue: "99999999999999999999" },
      { doubleValue: null },
      { doubleValue: "0.5" },
      { stringValue: 3 },
      { boolValue: "true" },
      {},
      { stringValue: "a", intValue: "1" },
    ]) {
      const res = await post(request(bad));
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await post(request({ stringValue: "x" }, { traceId: "xyz" }))).status).toBe(400);
    expect((await post(request({ stringValue: "x" }, { startTimeUnixNano: "soon" }))).status).toBe(400);
    expect((await post("{not json")).status).toBe(400);
    expect((await post(new Uint8Array([0xff, 0xff, 0xff]), "application/x-protobuf")).status).toBe(400);
    expect((await post("x", "text/plain")).status).toBe(415);
  });
});
