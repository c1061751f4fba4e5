/** Diagnostics: real smoke calls against the configured providers. */
import { z } from "@hono/zod-openapi";

export const SandboxDiagnosticsRequest = z
  .object({
    execs: z.number().int().min(1).max(1000).default(5).openapi({ description: "Trivial statements to time" }),
    contextMb: z.number().min(0).max(200).default(0).openapi({ description: "MiB of generated context to stream in" }),
  })
  .openapi("SandboxDiagnosticsRequest");

const Stage = z.enum(["create", "start_repl", "exec", "ingest", "delete"]);

export const SandboxDiagnostics = z
  .object({
    ok: z.boolean(),
    failedAt: Stage.optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    guidance: z.string().optional(),
    createMs: z.number().optional(),
    startReplMs: z.number().optional(),
    exec: z
      .object({ count: z.number(), medianMs: z.number(), p95Ms: z.number(), samplesMs: z.array(z.number()) })
      .optional(),
    ingest: z.object({ bytes: z.number(), ms: z.number(), mbPerSecond: z.number() }).optional(),
    deleteMs: z.number().optional(),
  })
  .openapi("SandboxDiagnostics");
export type SandboxDiagnostics = z.infer<typeof SandboxDiagnostics>;
