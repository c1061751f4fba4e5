/**
 * Tenant LLM profiles (`/v1/llm-profiles`): a bring-your-own OpenAI-compatible endpoint, its key (write-only, stored
 * sealed) and the planner/delegate models runs use. One profile per tenant may be the default.
 */
import { z } from "@hono/zod-openapi";
import { LlmDiagnostics, SmokeTimeoutMs } from "./diagnostics";

const Name = z.string().trim().min(1).max(100).openapi({ example: "OpenAI production" });
const BaseUrl = z
  .url({ protocol: /^https?$/ })
  .max(2_000)
  .openapi({ description: "OpenAI-compatible API root, usually ending in /v1", example: "https://api.openai.com/v1" });
const ApiKeyInput = z
  .string()
  .trim()
  .min(1)
  .max(1_000)
  .openapi({ description: "The provider key; write-only: it is stored encrypted and never returned" });
const Model = z.string().trim().min(1).max(200);

export const CreateLlmProfileRequest = z
  .object({
    name: Name,
    baseUrl: BaseUrl,
    apiKey: ApiKeyInput.optional().openapi({ description: "Omit for keyless endpoints (a local server)" }),
    plannerModel: Model.openapi({ description: "Root RLM and ReAct agent model", example: "gpt-5" }),
    delegateModel: Model.openapi({ description: "Sub-call model (llm_query)", example: "gpt-5-mini" }),
    isDefault: z
      .boolean()
      .default(false)
      .openapi({ description: "Runs use the default profile unless told otherwise" }),
  })
  .openapi("CreateLlmProfileRequest");
export type CreateLlmProfileRequest = z.infer<typeof CreateLlmProfileRequest>;

export const UpdateLlmProfileRequest = z
  .object({
    name: Name.optional(),
    baseUrl: BaseUrl.optional(),
    apiKey: ApiKeyInput.nullable()
      .optional()
      .openapi({ description: "A new key; `null` removes the stored key; absent keeps it" }),
    plannerModel: Model.optional(),
    delegateModel: Model.optional(),
    isDefault: z
      .boolean()
      .optional()
      .openapi({ description: "`true` makes this the default (the previous default stops being one)" }),
  })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), { message: "Change at least one field" })
  .openapi("UpdateLlmProfileRequest");
export type UpdateLlmProfileRequest = z.infer<typeof UpdateLlmProfileRequest>;

export const LlmProfile = z
  .object({
    id: z.string(),
    name: z.string(),
    baseUrl: z.string(),
    plannerModel: z.string(),
    delegateModel: z.string(),
    isDefault: z.boolean(),
    hasKey: z.boolean().openapi({ description: "Whether a key is stored; the key itself is never returned" }),
    keyHint: z.string().nullable().openapi({ description: "A masked form of the stored key", example: "sk-…abcd" }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("LlmProfile");
export type LlmProfile = z.infer<typeof LlmProfile>;

/** What a run that names no profile uses when the tenant has no default profile. */
export const ServerEndpoint = z
  .object({
    kind: z.enum(["server", "demo", "none"]).openapi({
      description:
        "`server`: the deployment's own endpoint (OPENAI_API_KEY / OPENAI_BASE_URL); `demo`: only the scripted demo model (development); `none`: nothing, so runs fail until a profile is added",
    }),
    baseUrl: z.string().nullable(),
    model: z.string().nullable(),
  })
  .openapi("ServerEndpoint");
export type ServerEndpoint = z.infer<typeof ServerEndpoint>;

export const LlmProfileList = z
  .object({ items: z.array(LlmProfile), serverEndpoint: ServerEndpoint })
  .openapi("LlmProfileList");

export const TestLlmProfileRequest = z
  .object({
    role: z
      .enum(["planner", "delegate"])
      .default("planner")
      .openapi({ description: "Which of the profile's models to call" }),
    timeoutMs: SmokeTimeoutMs,
  })
  .openapi("TestLlmProfileRequest");
export type TestLlmProfileRequest = z.infer<typeof TestLlmProfileRequest>;

/** The outcome of a profile's test call: the same report as `POST /v1/diagnostics/llm`. */
export const LlmProfileTestResult = LlmDiagnostics;
export type LlmProfileTestResult = LlmDiagnostics;
