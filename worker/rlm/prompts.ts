/**
 * The RLM's prompts, as data. Structure follows the paper's root prompt (role, context metadata, REPL contents,
 * truncation warning, strategy, fence syntax, worked examples, how to finish); the words are ours. Nothing here
 * grows with the context: the root model only ever sees metadata about it.
 */
import type { ContextInfo } from "../contracts/repl";

/** Characters of one block's output the root model sees; the true length is always stated. */
export const OUTPUT_CAP_CHARS = 20_000;

/** How many chunk lengths the metadata lists before summarising the rest. */
const MAX_LISTED_CHUNKS = 100;

/** The root model's system prompt. `subCallChars` is what one `llm_query` prompt can comfortably hold. */
export function rootSystemPrompt(options: { canRecurse: boolean; subCallChars: number }): string {
  const recursion = options.canRecurse
    ? [
        "4. `rlm_query(prompt, context=None)` starts a child RLM with its own REPL (its `context` is the value you pass),",
        "   for sub-problems that themselves need code and sub-calls; `rlm_query_batched(prompts, contexts=None)` runs several.",
        "   They are slower and dearer than `llm_query`; use them only when a plain sub-call cannot do the job.",
      ]
    : [];
  return [
    "You answer a query about a context that is too large to read directly. The context lives in a Python REPL that you",
    "drive by writing code; the REPL can call sub-models, and you are encouraged to use them generously. You will be asked",
    "for your next step repeatedly until you give a final answer.",
    "",
    "The REPL holds:",
    "1. `context`: the material the query is about. Treat it as the source of truth; look at it through code.",
    `2. \`llm_query(prompt, model=None)\`: asks a sub-model (no REPL, no memory) and returns its text. A prompt can carry`,
    `   about ${Math.round(options.subCallChars / 1000)}K characters. \`llm_query_batched(prompts, model=None)\` sends many at once, concurrently,`,
    '   and returns answers in the same order; a failed prompt comes back as a string starting with "[ERROR]".',
    "3. `print()`: the only way to see anything. A bare expression on the last line shows nothing.",
    ...recursion,
    "`SHOW_VARS()` lists your variables. If a sub-call raises `BudgetExhaustedError`, stop fanning out and answer with",
    "what you have.",
    "`budget()` returns what the run can still spend (`llm_calls`, `tokens`, `cost_usd`, `seconds`; None: unlimited); size fan-outs to it.",
    "",
    `You see at most ${OUTPUT_CAP_CHARS.toLocaleString("en-US")} characters of each block's output (the true length is stated), so keep long`,
    "strings in variables and use them as buffers; send pieces to sub-models rather than printing them.",
    "",
    "Strategy: probe the context's shape first (type, length, a short prefix, separators). Then decompose: split it into",
    "chunks a sub-model can read, ask about every chunk (batched), collect the answers in a variable, and combine them in",
    "Python or with one more sub-call. Look at the whole context before answering; do not guess from a prefix.",
    "",
    "Write code inside a fence tagged `repl`; every such block in your reply runs, in order, in the same namespace:",
    "```repl",
    "chunks = [context[i:i + 100_000] for i in range(0, len(context), 100_000)]",
    'answers = llm_query_batched([f"Find any mention of the launch date.\\n\\n{c}" for c in chunks])',
    'hits = [a for a in answers if "none" not in a.lower()]',
    "print(len(chunks), hits[:3])",
    "```",
    "For a list context, group items instead (e.g. ten documents per sub-call); for structured text, split on its",
    "headers with `re.split`. Documents read from PDFs mark each page with a `--- page N ---` line: keep the page",
    "numbers with what you extract, so the answer can cite them.",
    "",
    "When you know the answer, write on its own line, outside any code block, either `FINAL(the answer)` or",
    "`FINAL_VAR(variable_name)` to return a variable you already created. You may also call `FINAL_VAR(name)` inside",
    'code, or set `answer["content"] = ...` then `answer["ready"] = True`. Do not finish in the same reply that first',
    "looks at the context.",
    "",
    "Think step by step, then act immediately: every reply should contain code that moves the work forward, not a",
    "promise to do it later.",
  ].join("\n");
}

/** The constant-size description of the context the root model gets instead of the context. */
export function contextMetadata(info: ContextInfo): string {
  const listed = info.chunkLengths.slice(0, MAX_LISTED_CHUNKS);
  const others = info.chunkLengths.length - listed.length;
  const unit = info.type === "str" ? "characters" : "items";
  const chunks = `[${listed.join(", ")}${others > 0 ? `, ... ${others} others` : ""}]`;
  return `Your context is a ${info.type} of ${info.length.toLocaleString("en-US")} ${unit} (${info.bytes.toLocaleString("en-US")} bytes); chunk lengths in characters: ${chunks}.`;
}

/** The per-turn instruction; turn 0 warns against answering before looking. */
export function turnPrompt(turn: number, maxIterations: number, query: string): string {
  const lead =
    turn === 0
      ? "You have not looked at the context yet. Start by examining it with the REPL; do not give a final answer yet."
      : "Above are your earlier steps and the REPL's outputs.";
  return `${lead}\nTurn ${turn + 1} of ${maxIterations}. The query: "${query}"\nUse the REPL (it holds \`context\`) and sub-models to work towards the answer. Your next step:`;
}

/** Sent once when the iterations are spent; its wording is what scripted test models recognise. */
export const FORCED_ANSWER_PROMPT =
  "Please provide a final answer to the user's question based on the information provided. Reply with FINAL(your answer).";

/**
 * System prompt of the one call that folds a long run's older turns into a summary; its opening words are what
 * scripted test models recognise.
 */
export const COMPACTION_SYSTEM_PROMPT = [
  "You summarise the earlier turns of a model that answers a query by writing code in a Python REPL. Only the",
  "conversation is being shortened: the REPL keeps every variable. Write a compact summary that lets the model carry",
  "on without those turns: what it learned about the context, which variables hold what, what failed, and every",
  "partial or final result with its exact value. Plain text, no code fences.",
].join("\n");

/** What the summariser reads: the query, the summary so far, and the turns to fold. */
export function compactionRequest(query: string, previous: string | null, turns: string[]): string {
  const earlier = previous === null ? [] : ["The summary of the turns before these:", previous, ""];
  return [`The query: "${query}"`, "", ...earlier, "The turns to summarise:", "", ...turns].join("\n");
}

/** The history message standing in for folded turns (numbered from 1, as the model sees them). */
export function foldedTurnsNote(fromTurn: number, toTurn: number, summary: string): string {
  return `[Turns ${fromTurn}–${toTurn} were summarised to fit the context window; the REPL still holds every variable they created.]\n${summary}`;
}

/** System prompt for plain sub-calls (`llm_query`). */
export const SUB_CALL_SYSTEM_PROMPT =
  "You are a careful assistant called by another model. Answer the request using only the text it contains. Be concise; if the text does not contain the answer, say so plainly.";

/** Formats one block's execution for the root model's history, capped with the true length stated. */
export function formatExecution(result: {
  stdout: string;
  stderr: string;
  stdoutChars: number;
  stderrChars: number;
  error: { type: string; message: string; traceback: string } | null;
}): string {
  const parts: string[] = [];
  if (result.stdout) parts.push(capped(result.stdout, result.stdoutChars));
  if (result.stderr) parts.push(`stderr:\n${capped(result.stderr, result.stderrChars)}`);
  if (result.error) parts.push(`${result.error.traceback.trimEnd()}\n${result.error.type}: ${result.error.message}`);
  const body = parts.length > 0 ? parts.join("\n\n") : "(no output; use print() to see values)";
  if (body.length <= OUTPUT_CAP_CHARS) return `REPL output:\n${body}`;
  const trueLength = Math.max(body.length, result.stdoutChars + result.stderrChars);
  return `REPL output:\n${body.slice(0, OUTPUT_CAP_CHARS)}\n... [truncated: showing ${OUTPUT_CAP_CHARS.toLocaleString("en-US")} of ${trueLength.toLocaleString("en-US")} characters]`;
}

function capped(text: string, trueLength: number): string {
  return trueLength > text.length
    ? `${text}\n... [output was ${trueLength.toLocaleString("en-US")} characters; the REPL kept the first ${text.length.toLocaleString("en-US")}]`
    : text;
}
