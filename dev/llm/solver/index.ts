/**
 * The rule-driven solver: one entry point that picks the role (RLM root, sub-model, or chat agent) and answers.
 * Role `auto`: a request with `tools` is the agent; one whose system prompt asks to summarise a run's earlier turns
 * (the engine's compaction) is the summariser; a request whose system/developer messages mention the REPL
 * (`repl`, `llm_query`) or whose history holds a ```repl block is the root; anything else is a sub-call.
 */
import type { SolverFlags } from "../models";
import type { ChatRequest, MessageReply } from "../types";
import { agentReply } from "./agent";
import { demoRefusal } from "./refusal";
import { findQuestion, rootReply } from "./root";
import { subReply } from "./sub";
import { isSummaryRequest, summaryReply } from "./summary";

export { classifyInstance, countLabels, dataLines, parseDataLine } from "./classify";
export { rootReply } from "./root";
export { answerCount, findNeedles, subReply } from "./sub";
export { detectTask, TREC_LABELS } from "./task";

/** Which role `auto` resolves to for a request. */
export function solverRole(req: ChatRequest, flags: SolverFlags): Exclude<SolverFlags["role"], "auto"> {
  if (flags.role !== "auto") return flags.role;
  if (req.tools.length > 0) return "agent";
  if (isSummaryRequest(req.messages)) return "summary";
  const isRoot = req.messages.some(
    (m) =>
      ((m.role === "system" || m.role === "developer") && /\brepl\b|llm_query/i.test(m.content)) ||
      (m.role === "assistant" && m.content.includes("```repl")),
  );
  return isRoot ? "root" : "sub";
}

/** Answers a request as the solver. */
export function solve(req: ChatRequest, flags: SolverFlags): MessageReply & { role: ReturnType<typeof solverRole> } {
  const role = solverRole(req, flags);
  if (role === "summary") return { kind: "message", role, content: summaryReply(req.messages), toolCalls: [] };
  if (role === "agent") return { kind: "message", role, ...agentReply(req.messages, req.tools, req.toolChoice) };
  if (role === "root") {
    // A question that is no demo task (and asks for no fan-out) is refused at once, not run as a dummy computation.
    const d = findQuestion(req.messages);
    if (d.task.kind === "unknown" && d.fanOut === undefined && d.part === undefined) {
      return { kind: "message", role, content: null, toolCalls: [], refusal: demoRefusal() };
    }
    return { kind: "message", role, content: rootReply(req.messages, flags), toolCalls: [] };
  }
  // A sub-call's prompt is its last user message; earlier messages (a system line, say) only add context.
  const prompt =
    [...req.messages].reverse().find((m) => m.role === "user")?.content ?? req.messages.at(-1)?.content ?? "";
  return { kind: "message", role, content: subReply(prompt), toolCalls: [] };
}
