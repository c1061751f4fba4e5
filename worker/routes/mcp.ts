/**
 * `/mcp`: the MCP server over Streamable HTTP (MCP 2025-06-18 and later), on the official SDK's web-standard
 * transport in stateless mode — a fresh server per POST, so any isolate can serve any request and nothing is held
 * between them. Authenticated by API key as `Authorization: Bearer` (the MCP OAuth flow is a follow-up). A session id
 * is still issued at `initialize`: clients echo it, and it names their requests so a cancellation can find its task.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { createMiddleware } from "hono/factory";
import { requireAuth } from "../auth/middleware";
import { errorResponses } from "../contracts/common";
import { AppError } from "../errors";
import { inProcessApi } from "../mcp/api";
import { createMcpServer } from "../mcp/server";
import type { AppEnv } from "./app-env";

/** What the MCP route needs of the app: its `fetch`, through which every tool acts. */
export type AppFetch = Pick<OpenAPIHono<AppEnv>, "fetch">;

/** Only a bearer credential opens `/mcp`; a browser's cookie does not (a cross-site page must not drive it). */
function requireBearer() {
  return createMiddleware<AppEnv>(async function requireBearer(c, next) {
    // RFC 6750 §3: a 401 names the scheme; MCP clients read it to decide how to authenticate.
    c.header("www-authenticate", 'Bearer realm="fleet-rlm"');
    if (!c.req.header("authorization")) {
      throw new AppError("unauthenticated", "Send your API key as 'Authorization: Bearer <key>'");
    }
    await next();
    if (c.res.status !== 401) c.res.headers.delete("www-authenticate");
  });
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => (m as { method?: unknown } | null)?.method === "initialize");
}

export function mcpRoutes(app: AppFetch) {
  const notAllowed = () =>
    // Stateless: no standalone server-to-client stream and no session to delete (the spec allows 405 for both).
    new Response(JSON.stringify({ error: { code: "bad_request", message: "Use POST for MCP requests" } }), {
      status: 405,
      headers: { allow: "POST", "content-type": "application/json" },
    });
  return new OpenAPIHono<AppEnv>()
    .openapi(
      createRoute({
        method: "post",
        path: "/mcp",
        operationId: "callMcp",
        tags: ["mcp"],
        summary: "The MCP server (Streamable HTTP): JSON-RPC requests in, JSON or an SSE stream out",
        description:
          "Tools: `ask`, `upload_document`, `list_documents`, `search_document`, `get_task`; resources: `fleet-rlm://documents/{id}{?offset,length}`. See the README for client setup.",
        security: [{ bearer: [] }],
        middleware: [requireBearer(), requireAuth()],
        responses: {
          200: {
            description: "A JSON-RPC response, or an SSE stream of progress notifications and then the response",
            content: { "text/event-stream": { schema: z.string() }, "application/json": { schema: z.unknown() } },
          },
          202: { description: "A notification was accepted" },
          ...errorResponses(400, 401, 403, 413, 429),
        },
      }),
      async (c) => {
        const principal = c.var.principal;
        const origin = new URL(c.req.url).origin;
        const forTransport = c.req.raw.clone();
        const body: unknown = await c.req.json().catch(() => undefined);
        const issued = isInitialize(body) ? crypto.randomUUID() : undefined;
        const server = createMcpServer({
          api: inProcessApi(
            async (request) => app.fetch(request, c.env, c.executionCtx),
            origin,
            c.req.header("authorization") ?? "",
          ),
          origin,
          tenantId: principal.tenantId,
          caller: principal.apiKeyId ?? principal.userId ?? "session",
          sessionId: c.req.header("mcp-session-id"),
          defer: (work) => c.executionCtx.waitUntil(work),
        });
        const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        await server.connect(transport);
        // SAFETY: the same runtime Request; the SDK types it with the DOM lib, workers-types with `cf` properties.
        const res = await transport.handleRequest(
          forTransport as unknown as Parameters<typeof transport.handleRequest>[0],
        );
        if (!issued) return res;
        const headers = new Headers(res.headers);
        headers.set("mcp-session-id", issued);
        return new Response(res.body, { status: res.status, headers });
      },
    )
    .get("/mcp", notAllowed)
    .delete("/mcp", notAllowed);
}
