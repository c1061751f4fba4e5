/**
 * Delegation tools: hand a question and a long context to a Recursive Language Model run. Children run in their own
 * sandboxes and spend the turn's one budget; their trajectories are linked under the agent's run.
 */
import { z } from "zod";
import { type AgentTool, capObservation, defineTool } from "../tool";

/** One delegation as the tools ask for it. */
export interface DelegationRequest {
  query: string;
  documents?: string[];
  context?: string;
}

export interface DelegationResult {
  runId: string;
  status: "completed" | "failed" | "cancelled";
  answer: string | null;
  error: { code: string; message: string } | null;
  iterations: number;
  llmCalls: number;
}

/** Starts RLM runs for the agent; implemented over the engine by the session. */
export interface Delegator {
  delegate(request: DelegationRequest, signal: AbortSignal): Promise<DelegationResult>;
}

/** Several children at once, like the Python original: enough parallelism without starving one budget. */
const BATCH_CONCURRENCY = 4;
const MAX_BATCH = 16;
/** What the agent reads of a child's answer; the full answer is in the child's trace. */
const MAX_ANSWER_CHARS = 8_000;

function describe(result: DelegationResult): string {
  if (result.status === "completed" && result.answer !== null) return capObservation(result.answer, MAX_ANSWER_CHARS);
  return `[ERROR] The RLM run ${result.status}${result.error ? `: ${result.error.message}` : ""}`;
}

const contextFields = {
  documents: z.array(z.uuid()).max(32).optional().describe("Document ids to read; default: the message's documents"),
  context: z.string().max(1_000_000).optional().describe("Inline text to read instead of documents"),
};

export function delegationTools(delegator: Delegator): AgentTool[] {
  return [
    defineTool({
      name: "delegate_to_rlm",
      description:
        "Answer one question over long context (documents or text) with a Recursive Language Model run in a sandbox.",
      schema: z.object({ query: z.string().min(1).max(20_000), ...contextFields }),
      async run(args, context) {
        const result = await delegator.delegate(args, context.signal);
        return { ok: result.status === "completed", output: describe(result), data: { ...result } };
      },
    }),
    defineTool({
      name: "delegate_to_rlm_batched",
      description: `Run up to ${MAX_BATCH} independent questions over the same context as parallel RLM runs; answers come back in order.`,
      schema: z.object({ queries: z.array(z.string().min(1).max(20_000)).min(1).max(MAX_BATCH), ...contextFields }),
      async run(args, context) {
        const results: DelegationResult[] = new Array(args.queries.length);
        let next = 0;
        const worker = async () => {
          while (next < args.queries.length && !context.signal.aborted) {
            const i = next++;
            const query = args.queries[i] as string;
            results[i] = await delegator.delegate({ ...args, query }, context.signal);
          }
        };
        await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, args.queries.length) }, worker));
        context.signal.throwIfAborted();
        const output = results.map((r, i) => `## ${i + 1}. ${args.queries[i]}\n${describe(r)}`).join("\n\n");
        return {
          ok: results.every((r) => r.status === "completed"),
          output,
          data: { runs: results.map((r) => ({ runId: r.runId, status: r.status })) },
        };
      },
    }),
  ];
}
