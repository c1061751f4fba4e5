/** `POST /v1/diagnostics/sandbox`: a real sandbox round trip with timings, or the exact failure and what to do. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth, requireScope } from "../auth/middleware";
import { errorResponses } from "../contracts/common";
import { SandboxDiagnostics, SandboxDiagnosticsRequest } from "../contracts/diagnostics";
import { daytonaProvider, daytonaSettings } from "../sandbox";
import { sandboxSmoke } from "../sandbox/smoke";
import type { AppEnv } from "./app-env";
import { jsonBody, jsonResponse } from "./openapi";

const GUIDANCE: Record<string, string> = {
  create: "Check DAYTONA_API_URL and DAYTONA_API_KEY, and the provider's sandbox quota.",
  start_repl: "The sandbox started but Python did not come up: check that the image/snapshot has python3.",
  exec: "The REPL answered but could not run code: see the error message.",
  ingest: "Uploading into the sandbox failed: check the toolbox endpoint and the sandbox's disk limit.",
  delete: "The sandbox could not be deleted: remove it by its labels in the provider's console.",
};

export const diagnosticsRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: "post",
    path: "/v1/diagnostics/sandbox",
    tags: ["diagnostics"],
    summary: "Create a sandbox, time REPL round trips and context ingestion, delete it",
    security: [{ bearer: [] }],
    middleware: [requireAuth(), requireScope("admin")],
    request: { body: jsonBody(SandboxDiagnosticsRequest) },
    responses: {
      200: jsonResponse(SandboxDiagnostics, "The smoke run's report"),
      ...errorResponses(400, 401, 403, 503),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const provider = daytonaProvider(daytonaSettings(c.env));
    const report = await sandboxSmoke(provider, c.var.principal.tenantId, input);
    const samples = report.execMs ?? [];
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const { execMs: _samples, ...rest } = report;
    return c.json(
      {
        ...rest,
        guidance: report.failedAt ? GUIDANCE[report.failedAt] : undefined,
        exec:
          samples.length > 0
            ? { count: samples.length, medianMs: at(0.5), p95Ms: at(0.95), samplesMs: samples }
            : undefined,
      },
      200,
    );
  },
);
