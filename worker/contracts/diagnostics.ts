/** Diagnostics: real smoke calls against the configured providers. */
import { z } from "@hono/zod-openapi";

export const SandboxDiagnosticsRequest = z
  .object({
    execs: z.number().int().min(1).max(1000).default(5).openapi({ description: "Trivial statements to time" }),
    contextMb: z.number().min(0).max(200).default(0).openapi({ description: "MiB of generated context to stream in" }),
    pauseMs: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .openapi({
        description:
          "Idle time before each timed statement. A run's blocks follow a model call, with the sandbox idle meanwhile; " +
          "a pause of a few milliseconds times a round trip as a run sees it, 0 times them back to back",
      }),
    start: z
      .enum(["cold", "snapshot", "warm"])
      .optional()
      .openapi({
        description:
          "Also time a run's start to its first block, with a sandbox created from the default image (`cold`), from " +
          "`DAYTONA_SNAPSHOT` (`snapshot`), or taken from the warm pool (`warm`; `cold` when the pool is empty)",
      }),
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
    firstBlock: z
      .object({
        start: z.enum(["cold", "warm"]).openapi({ description: "How the sandbox was had" }),
        readyMs: z.number().openapi({ description: "Asking for a sandbox → a REPL that answers" }),
        firstBlockMs: z.number().openapi({ description: "Asking for a sandbox → the first block's result" }),
      })
      .optional(),
  })
  .openapi("SandboxDiagnostics");
export type SandboxDiagnostics = z.infer<typeof SandboxDiagnostics>;

/** The limit of one smoke call to an LLM: a single attempt, no retries. */
export const SmokeTimeoutMs = z
  .number()
  .int()
  .min(1_000)
  .max(120_000)
  .default(30_000)
  .openapi({ description: "One attempt, no retries, at most this long" });

export const LlmDiagnosticsRequest = z
  .object({
    model: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: "Model to call; the configured planner model (OPENAI_MODEL) when absent" }),
    timeoutMs: SmokeTimeoutMs,
  })
  .openapi("LlmDiagnosticsRequest");

export const LlmDiagnostics = z
  .object({
    ok: z.boolean(),
    /** Configuration is read before the call; a failure there means no request was sent. */
    failedAt: z.enum(["configure", "call"]).optional(),
    model: z.string().nullable().openapi({ description: "The model asked for" }),
    responseModel: z.string().optional().openapi({ description: "The model that answered, as the provider names it" }),
    latencyMs: z.number().optional(),
    usage: z.object({ promptTokens: z.number(), completionTokens: z.number(), cachedTokens: z.number() }).optional(),
    costUsd: z.number().optional(),
    reply: z.string().optional().openapi({ description: "The start of the model's answer" }),
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        status: z.number().optional().openapi({ description: "The provider's HTTP status, when it sent one" }),
        providerCode: z.string().nullable().optional(),
      })
      .optional(),
    guidance: z.string().optional(),
  })
  .openapi("LlmDiagnostics");
export type LlmDiagnostics = z.infer<typeof LlmDiagnostics>;
