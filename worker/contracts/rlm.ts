/** One-shot RLM runs over HTTP: `POST /v1/rlm/runs`, `GET /v1/rlm/runs/{id}`, `POST /v1/rlm/runs/{id}/cancel`. */
import { z } from "@hono/zod-openapi";
import { CONTEXT_DEPTH_NOTE, InlineContext } from "./context";

export const RunBudget = z
  .object({
    llmCalls: z.number().int().positive().max(100_000).optional(),
    tokens: z.number().int().positive().optional(),
    costUsd: z.number().positive().max(10_000).optional(),
    timeoutSeconds: z
      .number()
      .int()
      .positive()
      .max(24 * 3600)
      .optional(),
    maxSandboxes: z.number().int().positive().max(256).optional(),
  })
  .openapi("RunBudget", { description: "Limits shared by the whole recursive tree; absent means the default" });
export type RunBudget = z.infer<typeof RunBudget>;

export const RunModels = z
  .object({
    planner: z.string().min(1).max(200).optional().openapi({ description: "Root model" }),
    delegate: z.string().min(1).max(200).optional().openapi({ description: "Sub-call model" }),
  })
  .openapi("RunModels");

export const CreateRlmRunRequest = z
  .object({
    query: z
      .string()
      .trim()
      .min(1)
      .max(20_000)
      .openapi({ example: "What is the special magic number for quiet-harbor?" }),
    context: InlineContext.openapi({
      description: `The long context: text, or JSON (list/object) loaded as such. ${CONTEXT_DEPTH_NOTE}`,
    }),
    budget: RunBudget.default({}),
    models: RunModels.default({}),
    maxIterations: z.number().int().min(1).max(100).default(20),
    subCallConcurrency: z.number().int().min(1).max(128).default(16).openapi({
      description: "Sub-calls of one llm_query_batched in flight at once",
    }),
    maxDepth: z.number().int().min(1).max(4).default(1).openapi({
      description: "1: sub-calls are plain LLM calls (the paper's setting); 2+: rlm_query starts child RLMs",
    }),
  })
  .openapi("CreateRlmRunRequest");
export type CreateRlmRunRequest = z.infer<typeof CreateRlmRunRequest>;

export const RunUsage = z
  .object({
    llmCalls: z.number(),
    promptTokens: z.number(),
    completionTokens: z.number(),
    cachedTokens: z.number(),
    costUsd: z.number(),
  })
  .openapi("RunUsage");

export const RlmRunSummary = z.object({
  id: z.string(),
  parentRunId: z.string().nullable(),
  depth: z.number().int(),
  status: z.enum(["queued", "running", "completed", "failed", "cancelled"]),
  query: z.string(),
  answer: z.string().nullable(),
  endReason: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  usage: RunUsage.nullable(),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
});

export const RlmRun = RlmRunSummary.extend({
  iterations: z.number().int(),
  subCalls: z.number().int().openapi({ description: "LLM calls made from code (llm_query and friends)" }),
  wallMs: z.number().nullable(),
  children: z.array(RlmRunSummary),
}).openapi("RlmRun");
export type RlmRun = z.infer<typeof RlmRun>;

export const RlmRunAccepted = z
  .object({ id: z.string(), status: z.literal("running"), url: z.string() })
  .openapi("RlmRunAccepted");
