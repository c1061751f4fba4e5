/**
 * fleet-rlm as an MCP server: tools to ask (an RLM run or the chat agent, with progress), upload, list and search
 * documents and read a task; documents as resources, read by byte range. One server per HTTP request (the transport is
 * stateless); everything it does goes through the REST API in-process, so the caller's key decides what it may do.
 */
import {
  McpServer,
  type ReadResourceTemplateCallback,
  ResourceTemplate,
} from "@modelcontextprotocol/sdk/server/mcp.js";
import { CancelledNotificationSchema, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { IdParam } from "../contracts/common";
import type { Document, DocumentPage } from "../contracts/documents";
import { ListDocumentsQuery, SearchDocumentQuery, UploadDocumentQuery } from "../contracts/documents";
import { CreateTaskRequest, type Task } from "../contracts/tasks";
import { keyedTaskId } from "../tasks/create";
import type { Api } from "./api";
import { readFailure } from "./api";
import { ask, askKey } from "./ask";
import { toolFailure, toolResult } from "./results";

/** A resource read without a range returns this much: enough to read a section, never a whole corpus at once. */
export const DEFAULT_READ_BYTES = 65_536;
/** The largest range one read returns (1 MiB), so a client's context is not flooded by one call. */
export const MAX_READ_BYTES = 1_048_576;
/** A text document sent inline: 4 Mi characters, inside the route's body limit even as escaped UTF-8; larger files go to `POST /v1/documents`. */
const MAX_INLINE_DOCUMENT_CHARS = 4 * 1_048_576;

export interface McpDeps {
  api: Api;
  /** The public origin, for links (traces, resources). */
  origin: string;
  tenantId: string;
  /** Who is calling (the API key's or user's id): part of each ask's Idempotency-Key. */
  caller: string;
  /** The session id the client echoes (issued at `initialize`); absent for a client that sends none. */
  sessionId: string | undefined;
  /** Keeps work going after the response (a notification is answered 202 at once). */
  defer: (work: Promise<unknown>) => void;
}

const documentUri = (id: string) => `fleet-rlm://documents/${id}`;

export function createMcpServer(deps: McpDeps): McpServer {
  const { api, origin } = deps;
  const server = new McpServer(
    { name: "fleet-rlm", version: "0.1.0" },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        "fleet-rlm answers questions over long documents with Recursive Language Models. Upload text with upload_document (or use ids from list_documents), then call ask with the question and the document ids; use search_document for quick lookups.",
    },
  );
  const keyOf = (requestId: string | number) =>
    deps.sessionId ? askKey(deps.caller, deps.sessionId, requestId) : undefined;

  server.registerTool(
    "ask",
    {
      title: "Ask over documents or a context",
      description:
        "Answer a question with an RLM run over uploaded documents (`documents`) or an inline `context` (text or JSON); `mode: agent` asks the chat agent instead. Sends progress notifications while it runs; returns the answer, usage and a link to the trace. Long-running: cancel it to stop the run.",
      inputSchema: CreateTaskRequest,
      annotations: { openWorldHint: false },
    },
    (input, extra) => ask(api, origin, input, extra, keyOf(extra.requestId)),
  );

  server.registerTool(
    "upload_document",
    {
      title: "Upload a text document",
      description: "Store text as a document (its name's extension picks the format: .txt, .md, .csv, .json, …).",
      inputSchema: UploadDocumentQuery.extend({ content: z.string().min(1).max(MAX_INLINE_DOCUMENT_CHARS) }),
    },
    async ({ name, content }) => {
      const res = await api.json<Document>("POST", `/v1/documents?name=${encodeURIComponent(name)}`, {
        body: content,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
      if (!res.ok) return toolFailure(res.failure);
      return toolResult(`Stored ${res.body.name} as document ${res.body.id} (${res.body.bytes} bytes).`, {
        document: res.body,
        uri: documentUri(res.body.id),
      });
    },
  );

  server.registerTool(
    "list_documents",
    {
      title: "List documents",
      description: "The tenant's documents, newest first; pass `cursor` (the last page's nextCursor) for more.",
      inputSchema: ListDocumentsQuery,
      annotations: { readOnlyHint: true },
    },
    async ({ limit, cursor }) => {
      const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
      const res = await api.json<DocumentPage>("GET", `/v1/documents?${query}`);
      if (!res.ok) return toolFailure(res.failure);
      const lines = res.body.documents.map((d) => `${d.id}\t${d.name}\t${d.bytes} bytes\t${d.status}`);
      return toolResult(lines.length ? `id\tname\tsize\tstatus\n${lines.join("\n")}` : "No documents.", res.body);
    },
  );

  server.registerTool(
    "search_document",
    {
      title: "Search a document",
      description: "Lines of a document matching a regular expression, with context lines and page numbers.",
      inputSchema: IdParam.extend(SearchDocumentQuery.shape),
      annotations: { readOnlyHint: true },
    },
    async ({ id, pattern, context, maxMatches, ignoreCase }) => {
      const query = new URLSearchParams({
        pattern,
        context: String(context),
        maxMatches: String(maxMatches),
        ignoreCase: String(ignoreCase),
      });
      const res = await api.json<{ matches: Array<{ line: number; text: string }>; truncated: boolean }>(
        "GET",
        `/v1/documents/${encodeURIComponent(id)}/search?${query}`,
      );
      if (!res.ok) return toolFailure(res.failure);
      const lines = res.body.matches.map((m) => `${m.line}: ${m.text}`);
      const summary = lines.length ? `${lines.length} matches:\n${lines.join("\n")}` : `No line matches /${pattern}/.`;
      return toolResult(summary, res.body);
    },
  );

  server.registerTool(
    "get_task",
    {
      title: "A task's status or result",
      description: "A task's status, answer, usage and error, by id (e.g. one started by ask or POST /v1/tasks).",
      inputSchema: IdParam,
      annotations: { readOnlyHint: true },
    },
    async ({ id }) => {
      const res = await api.json<Task>("GET", `/v1/tasks/${encodeURIComponent(id)}`);
      if (!res.ok) return toolFailure(res.failure);
      const t = res.body;
      return toolResult(`Task ${t.id}: ${t.status}${t.answer ? `\n${t.answer}` : ""}`, t);
    },
  );

  const readDocument: ReadResourceTemplateCallback = async (uri, variables) => {
    const id = String(variables.id);
    const offset = Number(variables.offset ?? 0);
    const length = Number(variables.length ?? DEFAULT_READ_BYTES);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 1) {
      throw new McpError(ErrorCode.InvalidParams, "offset and length must be whole numbers (length ≥ 1)");
    }
    const end = offset + Math.min(length, MAX_READ_BYTES) - 1;
    const res = await api.raw("GET", `/v1/documents/${encodeURIComponent(id)}/content`, {
      headers: { range: `bytes=${offset}-${end}` },
    });
    if (res.status === 416) return { contents: [{ uri: uri.href, mimeType: "text/plain", text: "" }] };
    if (!res.ok) {
      const failure = await readFailure(res);
      // -32002 is the spec's "resource not found"; another tenant's id is one, as in the REST API.
      const code = failure.status === 404 ? -32002 : ErrorCode.InvalidRequest;
      throw new McpError(code, `${failure.code}: ${failure.message}`, { uri: uri.href });
    }
    return { contents: [{ uri: uri.href, mimeType: "text/plain", text: await res.text() }] };
  };
  // The ranged form first: the SDK tries templates in order, and a plain `{id}` would swallow the query.
  server.registerResource(
    "document-range",
    new ResourceTemplate("fleet-rlm://documents/{id}{?offset,length}", { list: undefined }),
    {
      title: "A byte range of a document",
      description: `\`offset\` and \`length\` in bytes (at most ${MAX_READ_BYTES} per read).`,
      mimeType: "text/plain",
    },
    readDocument,
  );
  server.registerResource(
    "document",
    new ResourceTemplate("fleet-rlm://documents/{id}", {
      list: async () => {
        const res = await api.json<DocumentPage>("GET", "/v1/documents?limit=200");
        if (!res.ok) throw new McpError(ErrorCode.InternalError, res.failure.message);
        return {
          resources: res.body.documents
            .filter((d) => d.status === "ready")
            .map((d) => ({ uri: documentUri(d.id), name: d.name, mimeType: "text/plain", size: d.bytes })),
        };
      },
    }),
    {
      title: "Document",
      description: `A document's text: the first ${DEFAULT_READ_BYTES} bytes; add \`?offset=&length=\` for a range.`,
      mimeType: "text/plain",
    },
    readDocument,
  );

  // The transport is stateless, so the request being cancelled ran on another HTTP request: its task's id is
  // derived from the same key, and the cancellation goes through the REST API like any other.
  server.server.setNotificationHandler(CancelledNotificationSchema, async (notification) => {
    const key = notification.params.requestId === undefined ? undefined : keyOf(notification.params.requestId);
    if (!key) return;
    deps.defer(
      keyedTaskId(deps.tenantId, key)
        .then((taskId) => api.raw("POST", `/v1/tasks/${taskId}/cancel`))
        .catch(() => {}),
    );
  });
  return server;
}
