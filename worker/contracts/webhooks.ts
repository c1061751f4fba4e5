/** Webhook endpoints (`/v1/webhooks/endpoints`): inbound ones start tasks; outbound ones receive task results. */
import { z } from "@hono/zod-openapi";
import { PayloadMapping } from "../webhooks/payload-mapping";
import { RunBudget, RunModels } from "./rlm";
import { TaskMode } from "./tasks";

/**
 * What outbound endpoints can subscribe to: a task starting, its progress (after its first step, then at most every
 * 30 s), and its end. `*` is every event. A task's own `callbackUrl` receives only its end.
 */
export const TASK_EVENTS = [
  "task.started",
  "task.progress",
  "task.completed",
  "task.failed",
  "task.cancelled",
] as const;
export type TaskEvent = (typeof TASK_EVENTS)[number];
export const EventName = z.enum([...TASK_EVENTS, "*"]).openapi({
  description:
    "`task.started`, `task.progress` (after the first step, then at most every 30 s), `task.completed`, `task.failed`, `task.cancelled`, or `*` for all",
});

export const InboundMapping = z
  .object({
    template: PayloadMapping.openapi({
      description:
        'How a payload becomes a task, e.g. {"query": "Summarise {{/issue/title}}", "context": "/issue/body"}',
    }),
    mode: TaskMode.default("rlm"),
    budget: RunBudget.default({}),
    models: RunModels.default({}),
  })
  .openapi("InboundMapping");
export type InboundMapping = z.infer<typeof InboundMapping>;

export const CreateWebhookEndpointRequest = z
  .discriminatedUnion("direction", [
    z.object({
      direction: z.literal("inbound"),
      name: z.string().trim().min(1).max(100),
      mapping: InboundMapping,
    }),
    z.object({
      direction: z.literal("outbound"),
      name: z.string().trim().min(1).max(100),
      url: z.url({ protocol: /^https?$/ }).max(2_000),
      events: z.array(EventName).min(1).max(10),
    }),
  ])
  .openapi("CreateWebhookEndpointRequest");
export type CreateWebhookEndpointRequest = z.infer<typeof CreateWebhookEndpointRequest>;

export const WebhookEndpoint = z
  .object({
    id: z.string(),
    direction: z.enum(["inbound", "outbound"]),
    name: z.string(),
    url: z.string().nullable().openapi({ description: "Outbound: where deliveries go" }),
    hookUrl: z.string().nullable().openapi({ description: "Inbound: where senders POST signed payloads" }),
    events: z.array(z.string()),
    mapping: InboundMapping.nullable(),
    active: z.boolean(),
    previousSecretExpiresAt: z.iso.datetime().nullable().openapi({
      description:
        "During a rotation, the old secret is still accepted (inbound) and signed with (outbound) until then",
    }),
    createdAt: z.iso.datetime(),
  })
  .openapi("WebhookEndpoint");
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

export const WebhookSecret = z
  .object({ secret: z.string().openapi({ example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }) })
  .openapi("WebhookSecret");

export const CreatedWebhookEndpoint = z
  .object({ endpoint: WebhookEndpoint, secret: z.string() })
  .openapi("CreatedWebhookEndpoint");

export const RotateSecretRequest = z
  .object({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400)
      .openapi({ description: "How long the old secret stays valid" }),
  })
  .openapi("RotateSecretRequest");

export const WebhookDelivery = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    direction: z.enum(["inbound", "outbound"]),
    messageId: z.string(),
    event: z.string(),
    status: z.enum(["pending", "delivered", "failed", "dead", "accepted", "rejected"]),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime().nullable(),
    taskId: z.string().nullable(),
  })
  .openapi("WebhookDelivery");
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const HookAccepted = z
  .object({
    taskId: z.string().nullable(),
    /** True when this message id was seen before: nothing new was started. */
    duplicate: z.boolean(),
  })
  .openapi("HookAccepted");
