/**
 * The MCP server through the official SDK's client over Streamable HTTP: tools, the ask tool with progress and
 * cancellation, document resources, scopes, a wrong key, and other tenants' ids.
 */
import { exports } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { makeNiah } from "../../dev/llm/fixtures";
import type { Scope } from "../../worker/auth/scopes";
import { call, expectJson, newTenant, until, useTestDb } from "./harness";
import { scriptedModel } from "./scripted-llm";

const handle = useTestDb();

function transport(key: string): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL("https://fleet.test/mcp"), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: (url: string | URL, init?: RequestInit) => exports.default.fetch(new Request(url, init)),
  });
}

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: "fleet-rlm-test", version: "1.0.0" });
  await client.connect(transport(key));
  return client;
}

async function tenantClient(label: string, scopes?: Scope[]) {
  const tenant = await newTenant(handle, label, scopes);
  return { key: tenant.apiKey.secret, client: await connect(tenant.apiKey.secret) };
}

type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
};

async function tool(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

async function upload(client: Client, name: string, content: string): Promise<string> {
  const result = await tool(client, "upload_document", { name, content });
  expect(result.isError, result.content[0]?.text).toBeFalsy();
  return (result.structuredContent as { document: { id: string } }).document.id;
}

describe("MCP server", () => {
  it("lists its tools, with the task contract as the ask tool's input schema", async () => {
    const { client } = await tenantClient("mcp-tools");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "ask",
      "get_task",
      "list_documents",
      "search_document",
      "upload_document",
    ]);
    const askTool = tools.find((t) => t.name === "ask");
    expect(Object.keys(askTool?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(["query", "documents", "context", "budget", "mode"]),
    );
    await client.close();
  });

  it("asks over an uploaded document with progress notifications, and reads, lists and searches it", async () => {
    const { key, client } = await tenantClient("mcp-ask");
    const niah = makeNiah({ chars: 80_000, depth: 0.5, seed: 21 });
    // One sentence a line, as a real text file has lines (search reads line by line).
    const text = niah.context.replaceAll(". ", ".\n");
    const id = await upload(client, "haystack.txt", text);

    const progress: Progress[] = [];
    const result = (await client.callTool(
      { name: "ask", arguments: { query: niah.question, documents: [id], models: { planner: "solver" } } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    )) as ToolResult;
    expect(result.isError, result.content[0]?.text).toBeFalsy();
    expect(result.content[0]?.text).toContain(niah.value);
    const data = result.structuredContent as { taskId: string; usage: { llmCalls: number }; traceUrl: string };
    expect(data.usage.llmCalls).toBeGreaterThan(1);
    expect(data.traceUrl).toMatch(/^https:\/\/fleet\.test\/v1\/runs\/[0-9a-f-]+\/trace$/);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, i) => i + 1));
    expect(progress.some((p) => p.message?.startsWith("iteration"))).toBe(true);
    const task = await expectJson<{ status: string; answer: string }>(
      await call(`/v1/tasks/${data.taskId}`, { key }),
      200,
    );
    expect(task.status).toBe("completed");

    const got = await tool(client, "get_task", { id: data.taskId });
    expect(got.structuredContent).toMatchObject({ id: data.taskId, status: "completed" });
    const listed = await tool(client, "list_documents", {});
    const docs = (listed.structuredContent?.documents ?? []) as Array<{ id: string }>;
    expect(docs.map((d) => d.id)).toEqual([id]);
    const found = await tool(client, "search_document", { id, pattern: niah.key, context: 0 });
    expect(found.content[0]?.text).toContain(niah.value);

    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([`fleet-rlm://documents/${id}`]);
    const slice = await client.readResource({ uri: `fleet-rlm://documents/${id}?offset=10&length=100` });
    expect((slice.contents[0] as { text?: string }).text).toBe(text.slice(10, 110));
    await client.close();
  });

  it("cancels the run when the client cancels the call", async () => {
    const { key, client } = await tenantClient("mcp-cancel");
    const model = await scriptedModel(["```repl\nimport time\nfor i in range(600):\n    time.sleep(0.1)\n```"], "mcp");
    const controller = new AbortController();
    const call$ = client.callTool(
      { name: "ask", arguments: { query: "q", context: "some text", models: { planner: model } } },
      undefined,
      { signal: controller.signal, onprogress: () => controller.abort("the user stopped it") },
    );
    await expect(call$).rejects.toThrow();
    const cancelled = await until(async () => {
      const page = await expectJson<{ tasks: Array<{ status: string }> }>(await call("/v1/tasks", { key }), 200);
      return page.tasks[0]?.status === "cancelled" ? page.tasks[0] : null;
    }, "the task to be cancelled");
    expect(cancelled.status).toBe("cancelled");
    await client.close();
  });

  it("refuses a wrong key and a missing one", async () => {
    await expect(connect("frk_notreal_0123456789012345678901234567890123456789")).rejects.toMatchObject({ code: 401 });
    const res = await call("/mcp", {
      method: "POST",
      headers: { accept: "application/json, text/event-stream" },
      json: { jsonrpc: "2.0", id: 1, method: "tools/list" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
  });

  it("finds no other tenant's documents or tasks", async () => {
    const other = await tenantClient("mcp-other");
    const otherDoc = await upload(other.client, "secret.txt", "the other tenant's secret");
    const { client } = await tenantClient("mcp-mine");

    const search = await tool(client, "search_document", { id: otherDoc, pattern: "secret" });
    expect(search.isError).toBe(true);
    expect(search.content[0]?.text).toMatch(/^not_found:/);
    const read = await client.readResource({ uri: `fleet-rlm://documents/${otherDoc}` }).catch((err: unknown) => err);
    expect(read, String(read)).toMatchObject({ code: -32002 });
    const asked = await tool(client, "ask", { query: "q", documents: [otherDoc], models: { planner: "solver" } });
    expect(asked.isError, JSON.stringify(asked)).toBe(true);
    expect(asked.content[0]?.text).toContain("documents.0");
    const task = await tool(client, "get_task", { id: crypto.randomUUID() });
    expect(task.content[0]?.text).toMatch(/^not_found:/);
    expect((await tool(client, "list_documents", {})).structuredContent?.documents).toEqual([]);
    await Promise.all([client.close(), other.client.close()]);
  });

  it("refuses bad tool input naming the field, and malformed requests, starting nothing", async () => {
    const { key, client } = await tenantClient("mcp-bad");
    const missing = await tool(client, "ask", { context: "c" });
    expect(missing.isError).toBe(true);
    expect(missing.content[0]?.text).toContain("query");
    const both = await tool(client, "ask", { query: "q", context: "c", documents: [crypto.randomUUID()] });
    expect(both.isError).toBe(true);
    expect(both.content[0]?.text).toContain("documents");
    const badName = await tool(client, "upload_document", { name: "a/b.txt", content: "x" });
    expect(badName.isError).toBe(true);
    expect(badName.content[0]?.text).toContain("name");
    const res = await call("/mcp", {
      method: "POST",
      key,
      headers: { accept: "application/json, text/event-stream", "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    const tasks = await expectJson<{ tasks: unknown[] }>(await call("/v1/tasks", { key }), 200);
    expect(tasks.tasks).toEqual([]);
    const docs = await expectJson<{ documents: unknown[] }>(await call("/v1/documents", { key }), 200);
    expect(docs.documents).toEqual([]);
    await client.close();
  });

  it("applies the key's scopes to every tool", async () => {
    const { key, client } = await tenantClient("mcp-scopes", ["documents:read", "tasks:read"]);
    const refused = await tool(client, "upload_document", { name: "a.txt", content: "text" });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]?.text).toMatch(/^forbidden:/);
    const ask = await tool(client, "ask", { query: "q", context: "c" });
    expect(ask.content[0]?.text).toMatch(/^forbidden:/);
    const docs = await expectJson<{ documents: unknown[] }>(await call("/v1/documents", { key }), 200);
    expect(docs.documents).toEqual([]);
    await client.close();
  });
});
