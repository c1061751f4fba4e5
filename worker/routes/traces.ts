/**
 * Run traces and feedback: `GET /v1/runs/{id}/trace` (a root run's tree with steps), `POST /v1/feedback` (a score on
 * any run) and `GET /v1/datasets/feedback.jsonl` (annotated runs as a streamed JSONL dataset).
 */
import { createRoute, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import { requireAuth, requireScope } from "../auth/middleware";
import { errorResponses, IdParam } from "../contracts/common";
import { CreateFeedbackRequest, Feedback, FeedbackDatasetRow, RunTrace } from "../contracts/trace";
import { repos } from "../db/repos";
import { isUuid } from "../db/scoped";
import { AppError } from "../errors";
import { feedbackDataset, loadRunTrace } from "../trace";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonBody, jsonResponse } from "./openapi";

/**
 * The dataset's response. Typed as a plain response config: the route types infer a JSON body for any media type
 * containing "json", and this one is a stream of JSON lines, not one JSON value.
 */
const JSONL_RESPONSE: RouteConfig["responses"][number] = {
  description: "JSON Lines, streamed: one `FeedbackDatasetRow` (see components) per annotated run",
  content: { "application/jsonl": { schema: z.string() } },
};

export const traceRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}/trace",
      operationId: "getRunTrace",
      tags: ["traces"],
      summary: "A root run's trace: its runs nested by parent, each with its steps, usage and latency",
      description: "Works for agent (chat turn or task), RLM and task runs; child runs are read through their root.",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:read")],
      request: { params: IdParam },
      responses: { 200: jsonResponse(RunTrace, "The run tree"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const trace = isUuid(id) ? await loadRunTrace(c.var.db, c.var.principal.tenantId, id) : null;
      if (!trace) throw new AppError("not_found", "Run not found", { details: { id } });
      return c.json(trace, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/feedback",
      operationId: "createFeedback",
      tags: ["traces"],
      summary: "Score a run's answer (1 or -1), optionally with a comment and the expected answer",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:write")],
      request: { body: jsonBody(CreateFeedbackRequest) },
      responses: { 201: jsonResponse(Feedback, "Recorded"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { tenantId, userId } = c.var.principal;
      const run = await repos.runs.get(c.var.db, tenantId, input.runId);
      if (!run) throw new AppError("not_found", "Run not found", { details: { runId: input.runId } });
      const row = await repos.feedback.insert(c.var.db, tenantId, {
        runId: run.id,
        userId,
        score: input.score,
        comment: input.comment ?? null,
        expectedAnswer: input.expectedAnswer ?? null,
      });
      return c.json(
        {
          id: row.id,
          runId: row.runId,
          score: row.score,
          comment: row.comment,
          expectedAnswer: row.expectedAnswer,
          createdAt: row.createdAt.toISOString(),
        },
        201,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/datasets/feedback.jsonl",
      operationId: "exportFeedbackDataset",
      tags: ["traces"],
      summary: "Every annotated run of the tenant as JSON Lines, for evaluation and fine-tuning datasets",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:read")],
      responses: {
        200: JSONL_RESPONSE,
        ...errorResponses(401, 403),
      },
    }),
    async (c) =>
      new Response(feedbackDataset(c.env, c.var.principal.tenantId), {
        headers: {
          "content-type": "application/jsonl; charset=utf-8",
          "content-disposition": 'attachment; filename="feedback.jsonl"',
        },
      }),
  );

// The dataset's line format has no JSON response to hang on, so it is registered as a component of its own.
traceRoutes.openAPIRegistry.register("FeedbackDatasetRow", FeedbackDatasetRow);
