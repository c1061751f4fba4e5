/** The RLM engine's public surface: the loop, its ports, and the usage helpers its adapters share. */
export { DEFAULT_RLM_SETTINGS, type RlmContext, type RlmPorts, type RlmRun, type RlmSettings, runRlm } from "./engine";
export { addUsage, emptyUsage, llmFailure } from "./metered-llm";
export type * from "./ports";
