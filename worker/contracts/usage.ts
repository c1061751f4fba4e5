/** Usage per UTC day (`GET /v1/usage`): LLM calls, tokens and cost of the tenant's chat turns, tasks and runs. */
import { z } from "@hono/zod-openapi";

/** One year: the longest window the chart and the query are sized for. */
export const MAX_USAGE_DAYS = 366;

export const UsageQuery = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_USAGE_DAYS)
    .default(30)
    .openapi({ param: { name: "days", in: "query" }, description: "Days up to and including today (UTC)" }),
});

const Counters = {
  llmCalls: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  cachedTokens: z.number(),
  costUsd: z.number(),
};

export const UsageDay = z
  .object({ day: z.iso.date().openapi({ example: "2026-03-14" }), ...Counters })
  .openapi("UsageDay");
export type UsageDay = z.infer<typeof UsageDay>;

export const UsageModel = z
  .object({ model: z.string().openapi({ example: "gpt-5-mini" }), ...Counters })
  .openapi("UsageModel");
export type UsageModel = z.infer<typeof UsageModel>;

export const UsageReport = z
  .object({
    from: z.iso.date().openapi({ description: "First day (UTC), inclusive" }),
    to: z.iso.date().openapi({ description: "Last day (UTC), inclusive: today" }),
    days: z.array(UsageDay).openapi({ description: "Every day of the window, oldest first; zeros on idle days" }),
    totals: z.object(Counters),
    byModel: z.array(UsageModel).openapi({
      description:
        "The window's LLM calls per model, dearest first, summed from the calls recorded in run traces (the model that answered)",
    }),
  })
  .openapi("UsageReport");
export type UsageReport = z.infer<typeof UsageReport>;
