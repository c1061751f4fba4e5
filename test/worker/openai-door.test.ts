/** The OpenAI-compatible door through the official `openai` client: completions answered by RLM runs, models, errors. */
import { exports } from "cloudflare:workers";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { makeNiah } from "../../dev/llm/fixtures";
import { call, expectJson, newTenant, until, useTestDb } from "./harness";
import { scriptedModel } from "./scripted-llm";

const handle = useTestDb();

function client(apiKey: string): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: "https://fleet.test/v1",
    maxRetries: 0,
    fetch: (url: string | URL | Request, init?: RequestInit) => exports.default.fetch(new Request(url, init)),
  });
}

interface TaskBody {
  id: string;
  status: string;
  source: string;
  usage: { llmCalls: number; promptTokens: number; completionTokens: number; cachedTokens: number } | null;
}

async function recordedUsage(key: string, taskId: string) {
  const task = await expectJson<TaskBody>(await call(`/v1/tasks/${taskId}`, { key }), 200);
  expect(task.status).toBe("completed");
  const u = task.usage;
  if (!u) throw new Error("the task recorded no usage");
  expect(u.llmCalls).toBeGreaterThan(1);
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
  };
}

describe("OpenAI-compatible endpoint", () => {
  it("answers a non-streamed completion with an RLM over a long message, usage as the task recorded", async () => {
    const { apiKey } = await newTenant(handle, "oai");
    const niah = makeNiah({ chars: 60_000, depth: 0.3, seed: 11 });
    const result = await client(apiKey.secret).chat.completions.create({
      model: "fleet-rlm:solver",
      messages: [{ role: "user", content: `${niah.context}\n\n${niah.question}` }],
    });
    expect(result.object).toBe("chat.completion");
    expect(result.choices[0]?.message.content).toContain(niah.value);
    expect(result.choices[0]?.finish_reason).toBe("stop");
    const ext = (result as unknown as { fleet_rlm: { task_id: string; trace_url: string } }).fleet_rlm;
    expect(result.id).toBe(`chatcmpl-${ext.task_id}`);
    expect(ext.trace_url).toMatch(/\/v1\/runs\/[0-9a-f-]+\/trace$/);
    expect(result.usage).toEqual(await recordedUsage(apiKey.secret, ext.task_id));
    const listed = await expectJson<{ tasks: TaskBody[] }>(await call("/v1/tasks", { key: apiKey.secret }), 200);
    expect(listed.tasks.map((t) => t.id)).toEqual([ext.task_id]);
  });

  it("streams the answer as chat.completion.chunk events, with usage, and progress as SSE comments", async () => {
    const { apiKey } = await newTenant(handle, "oai-stream");
    const niah = makeNiah({ chars: 60_000, depth: 0.6, seed: 12 });
    const stream = await client(apiKey.secret).chat.completions.create({
      model: "fleet-rlm:solver",
      messages: [
        { role: "system", content: "Answer with the number only." },
        { role: "user", content: `${niah.context}\n\n${niah.question}` },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const part of stream) chunks.push(part);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toContain(niah.value);
    expect(chunks.some((c) => c.choices[0]?.finish_reason === "stop")).toBe(true);
    const usage = chunks.at(-1)?.usage;
    const taskId = (chunks[0]?.id ?? "").replace(/^chatcmpl-/, "");
    expect(usage).toEqual(await recordedUsage(apiKey.secret, taskId));

    // The same request on the wire: progress comments before the answer, and the end marker.
    const raw = await call("/v1/chat/completions", {
      method: "POST",
      key: apiKey.secret,
      json: {
        model: "fleet-rlm:solver",
        stream: true,
        messages: [{ role: "user", content: `${niah.context}\n\n${niah.question}` }],
      },
    });
    expect(raw.headers.get("content-type")).toContain("text/event-stream");
    const wire = await raw.text();
    expect(wire).toMatch(/^: progress iteration 1 \(depth 0\)$/m);
    expect(wire.indexOf(": progress")).toBeLessThan(wire.indexOf(niah.value));
    expect(wire.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("answers with the chat agent over attached documents (fleet-rlm-agent)", async () => {
    const { apiKey } = await newTenant(handle, "oai-agent");
    const niah = makeNiah({ chars: 40_000, depth: 0.5, seed: 13 });
    const doc = await expectJson<{ id: string }>(
      await call("/v1/documents?name=haystack.txt", { method: "POST", key: apiKey.secret, body: niah.context }),
      201,
    );
    const result = await client(apiKey.secret).chat.completions.create({
      model: "fleet-rlm-agent:solver",
      messages: [{ role: "user", content: `Use the document: ${niah.question}` }],
      // @ts-expect-error: the extension field is ours, passed through as OpenAI clients pass any extra body field
      fleet_rlm: { documents: [doc.id] },
    });
    expect(result.choices[0]?.message.content).toContain(niah.value);
    const taskId = (result as unknown as { fleet_rlm: { task_id: string } }).fleet_rlm.task_id;
    const task = await expectJson<{ mode: string }>(await call(`/v1/tasks/${taskId}`, { key: apiKey.secret }), 200);
    expect(task.mode).toBe("agent");
  });

  it("cancels the run when a streaming client disconnects", async () => {
    const { apiKey } = await newTenant(handle, "oai-gone");
    const key = apiKey.secret;
    const model = await scriptedModel(["```repl\nimport time\nfor i in range(600):\n    time.sleep(0.1)\n```"], "oai");
    const res = await call("/v1/chat/completions", {
      method: "POST",
      key,
      json: { model: `fleet-rlm:${model}`, stream: true, messages: [{ role: "user", content: "q" }] },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"role":"assistant"');
    await reader.cancel();
    const task = await until(async () => {
      const page = await expectJson<{ tasks: TaskBody[] }>(await call("/v1/tasks", { key }), 200);
      return page.tasks[0]?.status === "cancelled" ? page.tasks[0] : null;
    }, "the task to be cancelled");
    expect(task.status).toBe("cancelled");
  });

  it("lists its models", async () => {
    const { apiKey } = await newTenant(handle, "oai-models");
    const models = await client(apiKey.secret).models.list();
    expect(models.data.map((m) => m.id)).toEqual(["fleet-rlm", "fleet-rlm-agent"]);
  });

  it("refuses a wrong key with a 401 in OpenAI's error shape", async () => {
    const error = await client("frk_wrong_key_0123456789abcdef")
      .chat.completions.create({ model: "fleet-rlm", messages: [{ role: "user", content: "hi" }] })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const body = await expectJson<{ error: Record<string, unknown> }>(
      await call("/v1/models", { key: "frk_wrong_key_0123456789abcdef" }),
      401,
    );
    expect(body.error).toMatchObject({ type: "authentication_error", code: "unauthenticated", param: null });
    expect(typeof body.error.message).toBe("string");
  });

  it("refuses a bad body with a 400 naming the field, and starts nothing", async () => {
    const { apiKey } = await newTenant(handle, "oai-bad");
    const key = apiKey.secret;
    const bad = async (json: unknown, param: string) => {
      const body = await expectJson<{ error: { type: string; param: string } }>(
        await call("/v1/chat/completions", { method: "POST", key, json }),
        400,
      );
      expect(body.error).toMatchObject({ type: "invalid_request_error", param });
    };
    await bad({ model: "fleet-rlm", messages: [{ role: "robot", content: "hi" }] }, "messages.0.role");
    await bad({ model: "fleet-rlm" }, "messages");
    await bad(
      {
        model: "fleet-rlm",
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
        ],
      },
      "messages.1.role",
    );
    await bad(
      { model: "fleet-rlm", messages: [{ role: "user", content: "q" }], fleet_rlm: { documents: ["x"] } },
      "fleet_rlm.documents.0",
    );
    const unknown = await expectJson<{ error: { param: string; type: string } }>(
      await call("/v1/chat/completions", {
        method: "POST",
        key,
        json: { model: "gpt-9", messages: [{ role: "user", content: "q" }] },
      }),
      404,
    );
    expect(unknown.error).toMatchObject({ param: "model", type: "not_found_error" });
    const other = await newTenant(handle, "oai-other");
    const foreign = await expectJson<{ id: string }>(
      await call("/v1/documents?name=a.txt", { method: "POST", key: other.apiKey.secret, body: "secret text" }),
      201,
    );
    const cross = await expectJson<{ error: { param: string } }>(
      await call("/v1/chat/completions", {
        method: "POST",
        key,
        json: {
          model: "fleet-rlm:solver",
          messages: [{ role: "user", content: "q" }],
          fleet_rlm: { documents: [foreign.id] },
        },
      }),
      400,
    );
    expect(cross.error.param).toBe("fleet_rlm.documents.0");
    const listed = await expectJson<{ tasks: unknown[] }>(await call("/v1/tasks", { key }), 200);
    expect(listed.tasks).toEqual([]);
  });
});
