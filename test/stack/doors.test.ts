/**
 * The two doors against a real `wrangler dev` stack, through the clients users run: the MCP SDK's client over
 * Streamable HTTP and the `openai` client. The workerd suites (`test/worker/mcp.test.ts`, `openai-door.test.ts`)
 * cover the cases; this checks the same wire works over real HTTP.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchStack, startBenchStack } from "../../bench/stack";
import { orThrow } from "../../client/src/index";
import { makeNiah } from "../../dev/llm/fixtures";

function mcpClient(url: string, key: string) {
  const client = new Client({ name: "fleet-rlm-stack-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  return { client, transport };
}

describe.skipIf(process.platform !== "linux")("MCP and OpenAI doors over wrangler dev", () => {
  let stack: BenchStack;
  beforeAll(async () => {
    stack = await startBenchStack({ plan: "enterprise" });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("serves an MCP client: tools, an upload, and an ask with progress and the answer", async () => {
    const { client, transport } = mcpClient(stack.url, stack.apiKey);
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("ask");
    const niah = makeNiah({ chars: 50_000, depth: 0.4, seed: 31 });
    const uploaded = (await client.callTool({
      name: "upload_document",
      arguments: { name: "haystack.txt", content: niah.context },
    })) as unknown as { structuredContent: { document: { id: string } } };
    const progress: Progress[] = [];
    const result = (await client.callTool(
      { name: "ask", arguments: { query: niah.question, documents: [uploaded.structuredContent.document.id] } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    )) as { isError?: boolean; content: Array<{ text: string }> };
    expect(result.isError, result.content[0]?.text).toBeFalsy();
    expect(result.content[0]?.text).toContain(niah.value);
    expect(progress.length).toBeGreaterThan(1);
    await client.close();
  }, 120_000);

  it("refuses an MCP client with a wrong key", async () => {
    const { client, transport } = mcpClient(stack.url, "frk_notreal_0123456789012345678901234567890123456789");
    await expect(client.connect(transport)).rejects.toMatchObject({ code: 401 });
  });

  it("answers the openai client, streamed, with the run's usage", async () => {
    const openai = new OpenAI({ apiKey: stack.apiKey, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    const niah = makeNiah({ chars: 50_000, depth: 0.7, seed: 32 });
    const stream = await openai.chat.completions.create({
      model: "fleet-rlm",
      messages: [{ role: "user", content: `${niah.context}\n\n${niah.question}` }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    let id = "";
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
      id = chunk.id;
    }
    expect(text).toContain(niah.value);
    const task = orThrow(
      await stack.client.GET("/v1/tasks/{id}", { params: { path: { id: id.replace(/^chatcmpl-/, "") } } }),
    );
    expect(usage?.prompt_tokens).toBe(task.usage?.promptTokens);
    expect(usage?.completion_tokens).toBe(task.usage?.completionTokens);
    const wrong = new OpenAI({ apiKey: "frk_wrong", baseURL: `${stack.url}/v1`, maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  }, 120_000);
});
