/** Headless tasks (`/v1/tasks`): an RLM run or an agent turn started by the API or a webhook, with SSE progress. */
import { z } from "@hono/zod-openapi";
import { CONTEXT_DEPTH_NOTE, InlineContext } from "./context";
import { RunBudget, RunModels, RunUsage } from "./rlm";

export const TaskMode = z.enum(["rlm", "agent"]).openapi("TaskMode", {
  description: "`rlm`: one Recursive Language Model run over the context; `agent`: the chat agent, which may delegate",
});
export const TaskStatus = z.enum(["queued", "running", "completed", "failed", "cancelled"]);

export const CreateTaskRequest = z
  .object({
    mode: TaskMode.default("rlm"),
    query: z.string().trim().min(1).max(20_000),
    context: InlineContext.optional().openapi({
      description: `Inline long context (text or JSON); or give \`documents\`. ${CONTEXT_DEPTH_NOTE}`,
    }),
    documents: z.array(z.uuid()).max(32).optional().openapi({ description: "Uploaded documents to read" }),
    budget: RunBudget.default({}),
    models: RunModels.default({}),
    maxIterations: z.number().int().min(1).max(100).default(20),
    maxDepth: z.number().int().min(1).max(4).default(1),
    subCallConcurrency: z.number().int().min(1).max(128).default(16),
    callbackUrl: z
      .url({ protocol: /^https?$/ })
      .max(2_000)
      .optional()
      .openapi({
        description: "Receives the result as a signed webhook (Standard Webhooks) when the task ends",
      }),
  })
  .refine((t) => !(t.context !== undefined && t.documents !== undefined), {
    message: "Give either context or documents, not both",
    path: ["documents"],
  })
  .refine((t) => t.mode !== "rlm" || t.context !== undefined || (t.documents?.length ?? 0) > 0, {
    message: "An rlm task needs a context or documents",
    path: ["context"],
  })
  .openapi("CreateTaskRequest");
export type CreateTaskRequest = z.infer<typeof CreateTaskRequest>;

export const Task = z
  .object({
    id: z.string(),
    mode: TaskMode,
    status: TaskStatus,
    query: z.string(),
    answer: z.string().nullable(),
    usage: RunUsage.nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    runId: z.string().nullable().openapi({ description: "Root of the task's trace" }),
    source: z.enum(["api", "webhook"]),
    callbackUrl: z.string().nullable(),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    completedAt: z.iso.datetime().nullable(),
  })
  .openapi("Task");
export type Task = z.infer<typeof Task>;

export const TaskAccepted = z
  .object({
    id: z.string(),
    status: TaskStatus,
    url: z.string(),
    eventsUrl: z.string(),
    /** True when an earlier request with the same `Idempotency-Key` created this task. */
    replayed: z.boolean(),
  })
  .openapi("TaskAccepted");

export const ListTasksQuery = z.object({
  status: TaskStatus.optional(),
  mode: TaskMode.optional(),
  source: z.enum(["api", "webhook"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  cursor: z.string().max(200).optional(),
});

export const TaskPage = z.object({ tasks: z.array(Task), nextCursor: z.string().nullable() }).openapi("TaskPage");
