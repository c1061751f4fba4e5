/**
 * The chat agent's prompts, as data. The agent answers directly when it can, uses tools for facts it lacks, and
 * hands anything larger than a context window to a recursive RLM run rather than reading it itself.
 */
import type { ExecutionMode } from "../contracts/session";

const ROLE = [
  "You are the assistant of fleet-rlm, a workspace for long-context work.",
  "Think step by step, use tools when they help, and stop as soon as you can answer well.",
  "Long documents and large inputs never go into your own context: delegate them to an RLM run, which reads them",
  "inside a Python sandbox and can fan work out to sub-models. Prefer delegate_to_rlm_batched for several",
  "independent questions. Use execute_code for quick computations in your own persistent Python sandbox.",
  "Use the document tools to look up small facts in uploaded documents. Documents read from PDFs mark each page with",
  "a `--- page N ---` line: cite the page when you answer from one.",
  "Keep core memory short and current: write what you learn about the user to `human`, plans to `scratchpad`.",
  "When you are done, answer in markdown (or call finish with the answer).",
].join("\n");

const MODE_NOTES: Record<ExecutionMode, string> = {
  auto: "",
  rlm: "This turn must be delegated: call delegate_to_rlm (or delegate_to_rlm_batched) before you answer.",
  tools: "Delegation is off for this turn: answer with your own tools only.",
};

/** The system prompt of one turn: role, mode, core memory and the documents the user picked. */
export function agentSystemPrompt(input: {
  mode: ExecutionMode;
  memory: string;
  documents: Array<{ id: string; name: string; bytes: number }>;
  extra?: string;
}): string {
  const docs =
    input.documents.length === 0
      ? "No documents are attached to this message."
      : [
          "Documents attached to this message (delegate_to_rlm uses them when you give none):",
          ...input.documents.map((d) => `- ${d.name} (id ${d.id}, ${d.bytes} bytes)`),
        ].join("\n");
  return [ROLE, MODE_NOTES[input.mode], `Core memory:\n${input.memory}`, docs, input.extra ?? ""]
    .filter((part) => part.length > 0)
    .join("\n\n");
}

/** Sent once the step limit is reached: the next reply must be the answer. */
export const FORCED_ANSWER_PROMPT =
  "You have used every tool step this turn allows. Answer the user now with what you have, and say what is missing.";
