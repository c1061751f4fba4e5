/**
 * The OpenAI-compatible door (`/v1/chat/completions`, `/v1/models`): the subset of OpenAI's Chat Completions wire
 * format that a run answers, plus one extension field, `fleet_rlm`, for what OpenAI's format cannot say.
 */
import { z } from "@hono/zod-openapi";
import { RunBudget } from "./rlm";

/** The models a completion can name; either may carry a `:<planner model>` suffix. */
export const DOOR_MODELS = ["fleet-rlm", "fleet-rlm-agent"] as const;

/** Message text: a string or OpenAI's content parts, of which the text parts are read. */
const MessageContent = z.union([
  z.string(),
  z.array(z.union([z.object({ type: z.literal("text"), text: z.string() }), z.object({ type: z.string() }).loose()])),
  z.null(),
]);

export const ChatMessage = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool"]),
    content: MessageContent.optional(),
    name: z.string().max(200).optional(),
  })
  .openapi("ChatMessage");
export type ChatMessage = z.infer<typeof ChatMessage>;

export const FleetRlmExtension = z
  .object({
    documents: z.array(z.uuid()).max(32).optional().openapi({
      description: "Uploaded documents that become the run's context (instead of the conversation's long text)",
    }),
    budget: RunBudget.optional(),
    maxIterations: z.number().int().min(1).max(100).optional(),
    maxDepth: z.number().int().min(1).max(4).optional(),
    subCallConcurrency: z.number().int().min(1).max(128).optional(),
  })
  .openapi("FleetRlmExtension", {
    description: "fleet-rlm's own options (an extension field OpenAI clients pass through)",
  });

export const ChatCompletionRequest = z
  .object({
    model: z.string().min(1).max(200).openapi({ example: "fleet-rlm" }),
    messages: z.array(ChatMessage).min(1).max(10_000),
    stream: z.boolean().default(false),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    n: z.literal(1).nullish().openapi({ description: "Only one choice is produced" }),
    fleet_rlm: FleetRlmExtension.optional(),
  })
  .openapi("ChatCompletionRequest", {
    description:
      "Sampling options (`temperature`, `max_tokens`, …) are accepted and ignored: the run's models use their own.",
  });
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const CompletionUsage = z
  .object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().int() }),
  })
  .openapi("CompletionUsage", { description: "The whole run tree's tokens (every sub-call and child run)" });
export type CompletionUsage = z.infer<typeof CompletionUsage>;

export const FleetRlmResult = z
  .object({
    task_id: z.string(),
    run_id: z.string().nullable(),
    trace_url: z.string().nullable(),
    llm_calls: z.number().int(),
    cost_usd: z.number(),
  })
  .openapi("FleetRlmResult", { description: "Where the answer came from: the task in the runs list and its trace" });

export const ChatCompletion = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
        finish_reason: z.enum(["stop", "length"]),
        logprobs: z.null(),
      }),
    ),
    usage: CompletionUsage,
    fleet_rlm: FleetRlmResult,
  })
  .openapi("ChatCompletion");
export type ChatCompletion = z.infer<typeof ChatCompletion>;

export const ModelList = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({ id: z.string(), object: z.literal("model"), created: z.number().int(), owned_by: z.string() }),
    ),
  })
  .openapi("ModelList");

export const OpenAiError = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().openapi({ example: "invalid_request_error" }),
      param: z.string().nullable().openapi({ example: "messages.0.role" }),
      code: z.string().nullable().openapi({ example: "validation_failed" }),
    }),
  })
  .openapi("OpenAiError");
export type OpenAiError = z.infer<typeof OpenAiError>;
