/** Run traces (`GET /v1/runs/{id}/trace`) and feedback (`POST /v1/feedback`, `GET /v1/datasets/feedback.jsonl`). */
import { z } from "@hono/zod-openapi";
import { RunUsage } from "./rlm";

export const RunTraceStep = z
  .object({
    index: z.number().int(),
    kind: z.enum(["iteration", "llm_call", "sandbox_exec", "tool_call", "observation"]),
    data: z.record(z.string(), z.unknown()).openapi({ description: "What the step recorded, by kind" }),
    promptTokens: z.number().int(),
    completionTokens: z.number().int(),
    costUsd: z.number(),
    latencyMs: z.number().int(),
    createdAt: z.iso.datetime(),
  })
  .openapi("RunTraceStep");

export const RunTraceNode = z
  .object({
    id: z.string(),
    parentRunId: z.string().nullable(),
    kind: z.enum(["agent", "rlm", "task"]),
    depth: z.number().int(),
    status: z.enum(["queued", "running", "completed", "failed", "cancelled"]),
    query: z.string(),
    answer: z.string().nullable(),
    endReason: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    usage: RunUsage.nullable().openapi({ description: "This run's usage including its children's" }),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    completedAt: z.iso.datetime().nullable(),
    latencyMs: z.number().int().nullable().openapi({ description: "Start to end; null while the run is unfinished" }),
    spanId: z.string().openapi({ description: "The run's span id in the OpenTelemetry export" }),
    steps: z.array(RunTraceStep),
    get children(): z.ZodArray<typeof RunTraceNode> {
      return z.array(RunTraceNode);
    },
  })
  .openapi("RunTraceNode");
export type RunTraceNode = z.infer<typeof RunTraceNode>;

export const RunTrace = z
  .object({
    traceId: z
      .string()
      .openapi({ description: "The tree's trace id in the OpenTelemetry export (the root id as hex)" }),
    root: RunTraceNode,
  })
  .openapi("RunTrace");
export type RunTrace = z.infer<typeof RunTrace>;

export const CreateFeedbackRequest = z
  .object({
    runId: z.uuid(),
    score: z.union([z.literal(-1), z.literal(1)]).openapi({ description: "1: good answer; -1: bad answer" }),
    comment: z.string().trim().max(4_000).optional(),
    expectedAnswer: z.string().max(100_000).optional().openapi({ description: "The answer the run should have given" }),
  })
  .openapi("CreateFeedbackRequest");
export type CreateFeedbackRequest = z.infer<typeof CreateFeedbackRequest>;

export const Feedback = z
  .object({
    id: z.string(),
    runId: z.string(),
    score: z.number().int(),
    comment: z.string().nullable(),
    expectedAnswer: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi("Feedback");

/** Where a run's long context came from, so a dataset row can be replayed. */
export const ContextReference = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("documents"), documentIds: z.array(z.string()) }),
    z.object({ kind: z.literal("inline"), key: z.string().openapi({ description: "Storage key of the context" }) }),
    z.object({ kind: z.literal("session"), sessionId: z.string(), turnId: z.string().nullable() }),
    z.object({ kind: z.literal("none") }),
  ])
  .openapi("ContextReference");
export type ContextReference = z.infer<typeof ContextReference>;

export const FeedbackDatasetRow = z
  .object({
    runId: z.string(),
    query: z.string(),
    context: ContextReference,
    answer: z.string().nullable(),
    expectedAnswer: z.string().nullable(),
    score: z.number().int(),
    comment: z.string().nullable(),
    createdAt: z.iso.datetime().openapi({ description: "When the feedback was given" }),
  })
  .openapi("FeedbackDatasetRow", { description: "One line of `feedback.jsonl`" });
export type FeedbackDatasetRow = z.infer<typeof FeedbackDatasetRow>;
