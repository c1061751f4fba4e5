/**
 * The solver as the chat (ReAct) agent, for requests that carry `tools`. Rules:
 * - the last message is a tool result → answer with it: its `answer`/`result`/`content`/`text` field when it is a
 *   JSON object, else the text itself (cut at 4,000 characters);
 * - the last message is from the user, a delegation tool is offered (`delegate_to_rlm`, else any tool whose name
 *   contains `rlm`), `tool_choice` allows it, and the user asks a task the solver knows (needle, counting,
 *   "fan out N") or mentions delegating/RLM/documents/context — or `tool_choice` requires it → call that tool once
 *   with arguments filled from its schema: the first of `query`/`task`/`question`/`prompt`/`input` present gets the
 *   user's text;
 * - a greeting → a short hello naming the demo;
 * - otherwise, and after a delegated run that the demo refused → a refusal saying it is the demo model and how to add
 *   a real one (sent as `refusal`, so the turn is not taken as answered).
 */
import type { ChatMessage, ToolCall, ToolChoice, ToolDef } from "../types";
import { demoRefusal, isDemoRefusal } from "./refusal";
import { detectTask } from "./task";

const QUERY_PARAMS = ["query", "task", "question", "prompt", "input"];
const DELEGATE_WORDS = /\b(delegate|rlm|recursive|document|documents|context|analy[sz]e)\b/i;
const MAX_ANSWER_CHARS = 4000;

function pickTool(tools: readonly ToolDef[], choice: ToolChoice): ToolDef | undefined {
  if (choice.kind === "none") return undefined;
  if (choice.kind === "function") return tools.find((t) => t.name === choice.name);
  return (
    tools.find((t) => t.name === "delegate_to_rlm") ??
    tools.find((t) => /rlm/i.test(t.name)) ??
    (choice.kind === "required" ? tools[0] : undefined)
  );
}

function toolArguments(tool: ToolDef, text: string): string {
  const props = tool.parameters?.properties;
  const names = props && typeof props === "object" ? Object.keys(props) : [];
  const key = QUERY_PARAMS.find((k) => names.includes(k)) ?? (names.length === 0 ? "query" : names[0]);
  return JSON.stringify({ [key ?? "query"]: text });
}

function resultText(content: string): string {
  try {
    const parsed: unknown = JSON.parse(content);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      const obj = parsed as Record<string, unknown>;
      for (const k of ["answer", "result", "content", "text"]) {
        if (typeof obj[k] === "string") return obj[k];
      }
    }
  } catch {
    // Not JSON: the text itself is the result.
  }
  return content.length > MAX_ANSWER_CHARS ? `${content.slice(0, MAX_ANSWER_CHARS)}…` : content;
}

/** Deterministic tool-call ids: `call_` + the turn's index, so scripted tests can predict them. */
function callId(messages: readonly ChatMessage[]): string {
  return `call_solver_${messages.length}`;
}

/** The agent's reply: either text or one tool call. */
export function agentReply(
  messages: readonly ChatMessage[],
  tools: readonly ToolDef[],
  choice: ToolChoice,
): { content: string | null; toolCalls: ToolCall[]; refusal?: string } {
  const last = messages.at(-1);
  const text = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
  if (last?.role === "tool" || last?.role === "function") {
    if (isDemoRefusal(last.content)) return { content: null, toolCalls: [], refusal: demoRefusal(text) };
    return { content: resultText(last.content), toolCalls: [] };
  }
  const tool = pickTool(tools, choice);
  const d = detectTask(text);
  const wanted = d.task.kind !== "unknown" || d.fanOut !== undefined || DELEGATE_WORDS.test(text);
  if (tool && (wanted || choice.kind === "required" || choice.kind === "function")) {
    return {
      content: null,
      toolCalls: [{ id: callId(messages), name: tool.name, arguments: toolArguments(tool, text) }],
    };
  }
  if (/^\s*(hi|hello|hey)\b/i.test(text)) {
    return {
      content: "Hello! I am the demo model: try one of the demo tasks, or ask about your documents.",
      toolCalls: [],
    };
  }
  return { content: null, toolCalls: [], refusal: demoRefusal(text) };
}
