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
