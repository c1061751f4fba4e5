/**
 * What the trace keeps of model calls: `GET /v1/runs/{id}/steps/{index}/content` (one step's messages and reply,
 * loaded on demand by the detail pane) and the workspace's capture setting (`/v1/settings/trace`).
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { requireAuth, requireScope } from "../auth/middleware";
import { errorResponses, IdParam } from "../contracts/common";
import {
  StepContent,
  StepParams,
  TraceSearchQuery,
  TraceSearchResult,
  TraceSettings,
} from "../contracts/trace-content";
import { repos } from "../db/repos";
import { runSteps, tenants } from "../db/schema";
import { isUuid } from "../db/scoped";
import { AppError } from "../errors";
import { loadRunTrace } from "../trace";
import { contentKey, getContent } from "../trace/content";
import { searchTrace } from "../trace/search";
import type { AppEnv } from "./app-env";
import { jsonBody, jsonResponse } from "./openapi";

const security = [{ bearer: [] }];

export const traceContentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}/steps/{index}/content",
      operationId: "getStepContent",
      tags: ["traces"],
      summary: "One step's model-call content: the messages sent (roles, texts) and the reply, each capped at 256 KiB",
      security,
      middleware: [requireAuth(), requireScope("tasks:read")],
      request: { params: StepParams },
      responses: { 200: jsonResponse(StepContent, "The content"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id, index } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      const run = isUuid(id) ? await repos.runs.get(c.var.db, tenantId, id) : null;
      if (!run) throw new AppError("not_found", "Run not found", { details: { id } });
      const [step] = await c.var.db
        .select({ kind: runSteps.kind })
        .from(runSteps)
        .where(and(eq(runSteps.tenantId, tenantId), eq(runSteps.runId, run.id), eq(runSteps.index, index)));
      const content = step
        ? await getContent(c.env.DOCUMENTS, contentKey(tenantId, run.rootRunId ?? run.id, run.id, index))
        : null;
      if (!content) throw new AppError("not_found", "No content was kept for this step", { details: { id, index } });
      return c.json({ runId: run.id, index, ...content }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}/search",
      operationId: "searchRunTrace",
      tags: ["traces"],
      summary:
        "Search a root run's tree: text in prompts, replies, code and output; filters by kind, errors, model, depth",
      security,
      middleware: [requireAuth(), requireScope("tasks:read")],
      request: { params: IdParam, query: TraceSearchQuery },
      responses: { 200: jsonResponse(TraceSearchResult, "Matching steps"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, ...filters } = c.req.valid("query");
      const { tenantId } = c.var.principal;
      const trace = isUuid(id) ? await loadRunTrace(c.var.db, tenantId, id) : null;
      if (!trace) throw new AppError("not_found", "Run not found", { details: { id } });
      const result = await searchTrace(
        trace.root,
        filters,
        (runId, index) => getContent(c.env.DOCUMENTS, contentKey(tenantId, id, runId, index)),
        limit,
      );
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/settings/trace",
      operationId: "getTraceSettings",
      tags: ["settings"],
      summary: "Whether runs keep the texts of model calls for the trace",
      security,
      middleware: [requireAuth(), requireScope("sessions:read")],
      responses: { 200: jsonResponse(TraceSettings, "The setting"), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const [row] = await c.var.db
        .select({ capture: tenants.traceCapture })
        .from(tenants)
        .where(eq(tenants.id, c.var.principal.tenantId));
      return c.json({ capture: row?.capture ?? true }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/settings/trace",
      operationId: "updateTraceSettings",
      tags: ["settings"],
      summary: "Turn content capture on or off (admins); off keeps only sizes, for runs started from now on",
      security,
      middleware: [requireAuth(), requireScope("admin")],
      request: { body: jsonBody(TraceSettings) },
      responses: { 200: jsonResponse(TraceSettings, "The new setting"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { capture } = c.req.valid("json");
      await c.var.db.update(tenants).set({ traceCapture: capture }).where(eq(tenants.id, c.var.principal.tenantId));
      return c.json({ capture }, 200);
    },
  );
