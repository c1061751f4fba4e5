/**
 * The wire types the SPA uses, taken from the Worker's zod contracts as types only: the browser bundle carries no
 * schema code, and a change to a contract is a type error here.
 */
export type { ApiKey, CreateApiKeyRequest, CreatedApiKey, Me, SignedIn } from "../../../worker/contracts/auth";
export type { ErrorResponse } from "../../../worker/contracts/common";
export type { Document } from "../../../worker/contracts/documents";
export type {
  CreateLlmProfileRequest,
  LlmProfile,
  LlmProfileTestResult,
  ServerEndpoint,
  UpdateLlmProfileRequest,
} from "../../../worker/contracts/llm-profiles";
export type { RunBudget } from "../../../worker/contracts/rlm";
export type { SandboxSettings } from "../../../worker/contracts/sandbox-settings";
export type {
  ClientFrame,
  EventPage,
  ExecutionMode,
  FrameKind,
  ServerFrame,
  Session,
  Turn,
} from "../../../worker/contracts/session";
export type { StepContent, TraceSearchResult, TraceSettings } from "../../../worker/contracts/trace-content";
export type { UsageDay, UsageReport } from "../../../worker/contracts/usage";
export type {
  CreateWebhookEndpointRequest,
  InboundMapping,
  WebhookDelivery,
  WebhookEndpoint,
} from "../../../worker/contracts/webhooks";
