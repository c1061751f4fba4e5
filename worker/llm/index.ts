/**
 * The LLM gateway: OpenAI-compatible chat completions with retries, typed errors, streaming and cost. The RLM engine
 * and the ReAct agent use only what is exported here.
 */
export { isAbortError } from "./abort";
export { CONTEXT_WINDOWS, contextWindowFor, DEFAULT_CONTEXT_WINDOW } from "./context-windows";
export { createLlmGateway } from "./gateway";
export { DEFAULT_PRICES, type LlmUsage, type ModelPrice, type PriceTable } from "./pricing";
export type { BackoffPolicy } from "./retry";
export { configurationFailure, llmSmoke } from "./smoke";
export type {
  LlmCompletion,
  LlmFinishReason,
  LlmGateway,
  LlmGatewayConfig,
  LlmRequest,
  LlmRole,
  LlmToolCall,
} from "./types";
