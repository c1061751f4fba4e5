/**
 * Reading a root model's response: which ```` ```repl ```` blocks to run, and whether it declared a final answer.
 * Pure functions; the known failure cases of the reference implementations are the test cases.
 */

/** A ```` ```repl ```` fence: the tag alone on the opening line, the closing fence on its own line. */
const REPL_BLOCK = /^```repl[ \t]*\r?\n([\s\S]*?)\r?\n[ \t]*```[ \t]*$/gm;
/** Any fenced block, of any language, for masking fences before looking for FINAL. */
const ANY_FENCE = /^[ \t]*```[^\n]*\n[\s\S]*?^[ \t]*```[ \t]*$/gm;

/** The code of every ```` ```repl ```` block, in order. ```` ```python ```` and untagged fences are not executed. */
export function extractReplBlocks(response: string): string[] {
  return [...response.matchAll(REPL_BLOCK)].map((match) => (match[1] ?? "").trim()).filter((code) => code !== "");
}

/** A final answer declared in the response text. */
export type FinalDeclaration = { kind: "final"; answer: string } | { kind: "final_var"; name: string };

/**
 * Finds `FINAL_VAR(name)` or `FINAL(answer)` at the start of a line outside any code fence. `FINAL_VAR` wins when
 * both appear (it names the value the model computed). `FINAL(...)` is greedy to the last `)` of its line run, so
 * nested parentheses survive; a mention mid-sentence is not a declaration.
 */
export function findFinal(response: string): FinalDeclaration | null {
  const text = response.replace(ANY_FENCE, (fence) => fence.replace(/[^\n]/g, " "));
  const finalVar = /^[ \t]*FINAL_VAR\([ \t]*["']?([A-Za-z_][A-Za-z0-9_]*)["']?[ \t]*\)/m.exec(text);
  if (finalVar?.[1]) return { kind: "final_var", name: finalVar[1] };
  const final = /^[ \t]*FINAL\(([\s\S]*)\)[ \t]*$/m.exec(text);
  if (final) {
    const start = (final.index ?? 0) + final[0].indexOf("(") + 1;
    const end = start + (final[1]?.length ?? 0);
    return { kind: "final", answer: response.slice(start, end).trim() };
  }
  return null;
}

/**
 * The answer inside a forced-answer reply: the model may still wrap it in `FINAL(...)`; a `FINAL_VAR` there cannot be
 * resolved usefully, so the raw text is kept.
 */
export function unwrapForcedAnswer(response: string): string {
  const declared = findFinal(response);
  return declared?.kind === "final" ? declared.answer : response.trim();
}
