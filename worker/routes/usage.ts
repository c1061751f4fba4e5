/** `GET /v1/usage?days=30`: the tenant's LLM calls, tokens and cost per UTC day, every day of the window present. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth, requireScope } from "../auth/middleware";
import { errorResponses } from "../contracts/common";
import { type UsageDay, UsageQuery, UsageReport } from "../contracts/usage";
import { dailyUsage, usageByModel } from "../db/queries/usage";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonResponse } from "./openapi";

const DAY_MS = 86_400_000;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function emptyDay(day: string): UsageDay {
  return { day, llmCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
}

export const usageRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: "get",
    path: "/v1/usage",
    operationId: "getUsage",
    tags: ["usage"],
    summary: "LLM calls, tokens and cost per UTC day (chat turns, tasks and runs of this workspace)",
    security: AUTHENTICATED,
    middleware: [requireAuth(), requireScope("sessions:read")],
    request: { query: UsageQuery },
    responses: { 200: jsonResponse(UsageReport, "Usage per day, oldest first"), ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const { days } = c.req.valid("query");
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const from = isoDay(today - (days - 1) * DAY_MS);
    const byDay = new Map((await dailyUsage(c.var.db, c.var.principal.tenantId, from)).map((d) => [d.day, d]));
    const series = Array.from({ length: days }, (_, i) => {
      const day = isoDay(today - (days - 1 - i) * DAY_MS);
      return byDay.get(day) ?? emptyDay(day);
    });
    const totals = series.reduce<UsageDay>(
      (sum, d) => ({
        day: "",
        llmCalls: sum.llmCalls + d.llmCalls,
        promptTokens: sum.promptTokens + d.promptTokens,
        completionTokens: sum.completionTokens + d.completionTokens,
        cachedTokens: sum.cachedTokens + d.cachedTokens,
        costUsd: sum.costUsd + d.costUsd,
      }),
      emptyDay(""),
    );
    const { day: _day, ...counters } = totals;
    const byModel = await usageByModel(c.var.db, c.var.principal.tenantId, from);
    return c.json({ from, to: isoDay(today), days: series, totals: counters, byModel }, 200);
  },
);
