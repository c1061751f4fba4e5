/**
 * The agent's delegation tools over the RLM engine: resolves the context (inline text, the named documents streamed
 * from R2, or the user's message), runs a root RLM under the agent's run, and adds its usage to the turn's.
 */
import type { DelegationResult, Delegator } from "../agent/tools/delegation";
import { documentsContext } from "../documents/context";
import type { DocumentStore } from "../documents/store";
import type { BudgetPort, LlmPort, RunRecorder, RunUsage, SandboxPort } from "../rlm";
import { addUsage, type RlmContext, type RlmSettings, runRlm } from "../rlm";

export interface RlmDelegatorDeps {
  llm: LlmPort;
  budget: BudgetPort;
  sandboxes: SandboxPort;
  recorder: RunRecorder;
  documents: DocumentStore;
  /** The documents attached to the user's message, used when a delegation names none. */
  defaultDocuments: readonly string[];
  /** The context when there are no documents at all: the user's own message. */
  fallbackContext: string;
  agentRunId: string;
  /** The turn's usage, which every child adds to. */
  usage: RunUsage;
  settings?: Partial<RlmSettings>;
}

function failed(code: string, message: string): DelegationResult {
  return { runId: "", status: "failed", answer: null, error: { code, message }, iterations: 0, llmCalls: 0 };
}

export function rlmDelegator(deps: RlmDelegatorDeps): Delegator {
  const resolveContext = async (request: {
    documents?: string[];
    context?: string;
  }): Promise<RlmContext | DelegationResult> => {
    if (request.context !== undefined) return { kind: "text", text: request.context };
    const ids = request.documents ?? deps.defaultDocuments;
    if (ids.length === 0) return { kind: "text", text: deps.fallbackContext };
    const resolved = await documentsContext(deps.documents, ids);
    if (resolved.status === "missing")
      return failed("not_found", `No ready document has id ${resolved.ids.join(", ")}`);
    return { kind: "stream", stream: resolved.stream, format: resolved.format };
  };

  return {
    async delegate(request, signal) {
      const context = await resolveContext(request);
      if ("status" in context) return context;
      const runId = crypto.randomUUID();
      const outcome = await runRlm(
        { runId, rootRunId: deps.agentRunId, parentRunId: deps.agentRunId, depth: 0, query: request.query, context },
        {
          llm: deps.llm,
          budget: deps.budget,
          sandboxes: deps.sandboxes,
          recorder: deps.recorder,
          signal,
          settings: deps.settings,
        },
      );
      addUsage(deps.usage, outcome.usage);
      return {
        runId,
        status: outcome.status,
        answer: outcome.answer,
        error: outcome.error,
        iterations: outcome.iterations,
        llmCalls: outcome.usage.llmCalls,
      };
    },
  };
}
