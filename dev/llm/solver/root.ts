/**
 * The solver as an RLM root model. It reads the conversation the engine sends and picks its step:
 * 1. (with `explore=N`) N turns that print the context's type, size and opening (turns an engine folded into a
 *    summary count, as its note "[Turns 1–k were summarised …]" says);
 * 2. a compute turn: one ```repl block that chunks `context`, calls `llm_query_batched` (or `rlm_query` on halves
 *    for `solver-depth2`) and leaves the result in `final_answer`;
 * 3. after REPL output with `final_answer -> …`: the final answer, as `FINAL_VAR(final_answer)` or `FINAL(…)`;
 *    after an error instead: one fallback compute turn, then a `FINAL(...)` that says what failed.
 * A forced-answer request ("Please provide a final answer …") gets `FINAL(value)` at once.
 */
import type { FinalStyle, SolverFlags } from "../models";
import type { ChatMessage } from "../types";
import {
  countCode,
  countDepth2Code,
  exploreCode,
  fanOutCode,
  niahCode,
  niahDepth2Code,
  niahScanCode,
  PRELUDE_GENERIC,
  tallyCode,
} from "./python";
import { type Detected, detectTask, PER_LINE_MODES } from "./task";

// Engines format REPL feedback differently ("Code executed: … REPL output: …", "REPL output (block 1): …"); these
// markers are what keep the echoed code and outputs from being read as the question.
const OBSERVATION = /REPL output|Code executed|REPL variables|^Output\b/i;
const VALUE_LINE = /^final_answer -> (.*)$/gm;
const ERROR_LINE = /^(?:Traceback \(most recent call last\)|[A-Za-z_.]*(?:Error|Exception)\b:.*)$/m;
// The engine's note where earlier turns were folded into a summary: they count as turns taken.
const FOLDED = /^\[Turns (\d+)–(\d+) were summarised/;
const FORCED =
  /\b(?:please|now|must)\s+(?:provide|give)\s+(?:a|your|the)\s+final answer|based on all the information you have,?\s+provide a final answer/i;
// One fallback turn after a failed compute turn; a second failure ends the run with an explanation.
const MAX_COMPUTE_TURNS = 2;

function hasRepl(m: ChatMessage): boolean {
  return m.role === "assistant" && m.content.includes("```repl");
}

/** The question: the first user (then system) message, outside REPL feedback, where a task is recognised. */
export function findQuestion(messages: readonly ChatMessage[]): Detected {
  const candidates = [
    ...messages.filter((m) => (m.role === "user" || m.role === "developer") && !OBSERVATION.test(m.content)),
    ...messages.filter((m) => m.role === "system"),
  ];
  for (const m of candidates) {
    const d = detectTask(m.content);
    if (d.task.kind !== "unknown") return d;
  }
  return detectTask(candidates.map((m) => m.content).join("\n"));
}

/** Turns an engine folded into a summary: the last turn its note names (summaries always start at turn 1). */
function foldedTurns(messages: readonly ChatMessage[]): number {
  let last = 0;
  for (const m of messages) {
    const folded = m.role === "user" ? FOLDED.exec(m.content) : null;
    if (folded) last = Math.max(last, Number(folded[2]));
  }
  return last;
}

function fence(code: string): string {
  return `\`\`\`repl\n${code}\n\`\`\``;
}

function lastValue(text: string): string | undefined {
  let value: string | undefined;
  for (const m of text.matchAll(VALUE_LINE)) value = m[1];
  return value?.trim();
}

function finalStyle(flags: SolverFlags, d: Detected): FinalStyle {
  if (flags.final !== "auto") return flags.final;
  return d.task.kind === "niah" || d.part !== undefined || (d.task.kind === "count" && d.task.mode === "all")
    ? "var"
    : "text";
}

function answerText(style: FinalStyle, value: string): string {
  return style === "text"
    ? `The REPL computed the answer over the whole context.\nFINAL(${value})`
    : "The REPL computed the answer over the whole context; it is in `final_answer`.\nFINAL_VAR(final_answer)";
}

function computeCode(d: Detected, flags: SolverFlags, style: FinalStyle, attempt: number): string {
  const t = d.task;
  // Children of a depth-2 run ("[part i/n]") always use sub-calls, so recursion stops at depth 2.
  const depth2 = flags.depth2 && d.part === undefined;
  if (t.kind === "niah") {
    if (!flags.subcalls || attempt > 0) return niahScanCode(t, { final: style });
    return depth2 ? niahDepth2Code(t, { final: style }) : niahCode(t, { fanOut: d.fanOut, final: style });
  }
  if (t.kind === "count") {
    // User and timeline questions need each line's label; they always classify with sub-calls at this level.
    if (PER_LINE_MODES.includes(t.mode)) return tallyCode(t, { fanOut: d.fanOut, final: style });
    if (depth2 && attempt === 0) return countDepth2Code(t, { final: style });
    return countCode(t, { fanOut: d.fanOut, final: style });
  }
  if (d.fanOut !== undefined) return fanOutCode(d.fanOut, { final: style });
  return PRELUDE_GENERIC;
}

/** The root's reply (assistant text) for a conversation. */
export function rootReply(messages: readonly ChatMessage[], flags: SolverFlags): string {
  const d = findQuestion(messages);
  const style = finalStyle(flags, d);
  const last = messages.at(-1);
  const lastRepl = messages.findLastIndex(hasRepl);
  const turns = messages.filter(hasRepl).length + foldedTurns(messages);
  const feedback = messages
    .slice(lastRepl + 1)
    .filter((m) => m.role !== "assistant")
    .map((m) => m.content)
    .join("\n");

  if (last && FORCED.test(last.content) && !/don't just provide/i.test(last.content)) {
    const all = messages
      .filter((m) => m.role !== "assistant")
      .map((m) => m.content)
      .join("\n");
    const value = lastValue(all);
    return value !== undefined ? `FINAL(${value})` : "I could not determine the answer from the context.";
  }
  if (turns < flags.explore) {
    return `Let me look at the context first.\n${fence(exploreCode())}`;
  }
  const attempts = turns - flags.explore;
  if (attempts === 0) {
    return `I will work through the whole context in code and keep the result in a variable.\n${fence(computeCode(d, flags, style, 0))}`;
  }
  const value = lastValue(feedback);
  if (value !== undefined) return answerText(style === "code" || style === "dict" ? "var" : style, value);
  const error = ERROR_LINE.exec(feedback)?.[0];
  if (error !== undefined) {
    if (attempts < MAX_COMPUTE_TURNS) {
      return `That failed (${error.trim()}). I will try again more simply.\n${fence(computeCode(d, flags, style, attempts))}`;
    }
    return `FINAL(I could not compute the answer: ${error.trim()})`;
  }
  return "FINAL_VAR(final_answer)";
}
