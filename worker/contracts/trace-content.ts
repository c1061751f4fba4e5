/**
 * What the trace keeps of model calls: the workspace's capture setting and one step's content (messages sent, the
 * reply), each text capped with its true length. Mirrors `worker/trace/content/record.ts`.
 */
import { z } from "@hono/zod-openapi";

export const TraceSettings = z
  .object({
    capture: z.boolean().openapi({
      description: "Keep the texts of model calls (messages, replies) for the trace; false keeps only their sizes.",
      example: true,
    }),
  })
  .strict()
  .openapi("TraceSettings");
export type TraceSettings = z.infer<typeof TraceSettings>;

const CapturedText = z.object({
  text: z.string().optional().openapi({ description: "The text, absent when capture was off" }),
  chars: z.number().int().openapi({ description: "The true length in characters" }),
  truncated: z.boolean().openapi({ description: "True when `text` is the stored prefix of a longer text" }),
});

export const StepContent = z
  .object({
    runId: z.string(),
    index: z.number().int(),
    captured: z.boolean().openapi({ description: "False when the workspace kept only sizes" }),
    messages: z.array(CapturedText.extend({ role: z.string() })),
    reply: CapturedText.nullable().openapi({ description: "Null when the call failed" }),
    toolCalls: z.unknown().optional(),
  })
  .openapi("StepContent");
export type StepContent = z.infer<typeof StepContent>;

export const StepParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, description: "The run's id" }),
  index: z.coerce
    .number()
    .int()
    .min(0)
    .openapi({ param: { name: "index", in: "path" }, description: "The step's index within its run (from 0)" }),
});

/** Hits returned by one search at most; narrow the query or filters for more. */
export const MAX_SEARCH_HITS = 200;

export const TraceSearchQuery = z.object({
  q: z.string().trim().min(1).max(500).optional().openapi({ description: "Text to find (case-insensitive)" }),
  kind: z.enum(["iteration", "llm_call", "sandbox_exec", "tool_call", "observation"]).optional(),
  errors: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .openapi({ description: "true: only failed calls and iterations with a failed block" }),
  model: z.string().min(1).max(200).optional().openapi({ description: "The model that answered, or was asked for" }),
  depth: z.coerce.number().int().min(0).max(16).optional().openapi({ description: "Only runs at this depth" }),
  limit: z.coerce.number().int().min(1).max(MAX_SEARCH_HITS).default(50),
});

export const TraceSearchHit = z
  .object({
    runId: z.string(),
    depth: z.number().int(),
    index: z.number().int(),
    kind: z.string(),
    model: z.string().nullable(),
    purpose: z.string().nullable(),
    error: z.boolean(),
    field: z.string().nullable().openapi({ description: "reply, message:<role>, code, output or response" }),
    snippet: z.string().nullable(),
  })
  .openapi("TraceSearchHit");

export const TraceSearchResult = z
  .object({ hits: z.array(TraceSearchHit), truncated: z.boolean() })
  .openapi("TraceSearchResult");
export type TraceSearchResult = z.infer<typeof TraceSearchResult>;
