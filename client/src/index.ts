/**
 * `@fleet-rlm/client`: a typed client of the fleet-rlm API. The calls are generated from `openapi.yaml`
 * (`openapi-typescript` types, `openapi-fetch` runtime); the helpers cover what a description cannot express:
 * streaming a file upload, following a task's Server-Sent Events to its end, and verifying a webhook's signature.
 */
export {
  type ApiErrorBody,
  createFleetClient,
  FleetApiError,
  type FleetClient,
  type FleetClientOptions,
  orThrow,
} from "./client";
export type { components, operations, paths } from "./schema";
export { type FollowOptions, followTask, readSse, type SseMessage, type Task, type TaskEvent } from "./task-events";
export { type Document, type UploadInput, uploadDocument } from "./upload";
export {
  type VerifyWebhookInput,
  type VerifyWebhookResult,
  verifyWebhook,
  type WebhookHeaders,
  type WebhookRefusal,
} from "./webhooks";
