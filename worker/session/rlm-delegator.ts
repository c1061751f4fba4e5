/**
 * The agent's delegation tools over the RLM engine: resolves the context (inline text, the named documents streamed
 * from R2, or the user's message), runs a root RLM under the agent's run, and adds its usage to the turn's.
 */
import type { DelegationResult, Delegator } from "../agent/tools/delegation";
import type { DocumentInfo, DocumentStore } from "../documents/store";
import { type RlmContext, type RlmSettings, runRlm } from "../rlm/engine";
import { addUsage } from "../rlm/metered-llm";
import type { BudgetPort, LlmPort, RunRecorder, RunUsage, SandboxPort } from "../rlm/ports";

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

/** Streams several documents one after another, each under a header naming it, as one text context. */
export function concatenatedDocuments(store: DocumentStore, docs: readonly DocumentInfo[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let index = 0;
  let current: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (!current) {
          const doc = docs[index++];
          if (!doc) return controller.close();
          const body = await store.open(doc.id);
          if (!body) throw new Error(`Document ${doc.id} disappeared while it was being read`);
          controller.enqueue(encoder.encode(`${index > 1 ? "\n" : ""}=== ${doc.name} (${doc.id}) ===\n`));
          current = body.getReader();
        }
        const { done, value } = await current.read();
        if (!done) return controller.enqueue(value);
        current = null;
      }
    },
    async cancel(reason) {
      await current?.cancel(reason);
    },
  });
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
    const docs = await deps.documents.find(ids);
    const missing = ids.filter((id) => !docs.some((d) => d.id === id));
    if (missing.length > 0) return failed("not_found", `No ready document has id ${missing.join(", ")}`);
    const [only] = docs;
    if (docs.length === 1 && only) {
      const stream = await deps.documents.open(only.id);
      if (!stream) return failed("not_found", `Document ${only.id} is gone`);
      return { kind: "stream", stream, format: only.contentType.includes("json") ? "json" : "text" };
    }
    return { kind: "stream", stream: concatenatedDocuments(deps.documents, docs), format: "text" };
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
