/**
 * What the demo model says when a question is not one of its tasks. It is sent as a refusal (OpenAI's
 * `message.refusal`), never as content, so the workspace shows the turn as not answered instead of as an answer.
 */

const TASKS =
  'I can only do the demo tasks: find a special magic number in a document ("What is the special magic number for ' +
  'gentle-comet in the document?") and count labels over "Date || User || Instance" lines ("How many lines are ' +
  'labelled location?", "Which label is the most common?", "Is entity more common than location?").';
const HOW =
  "For real answers, add an LLM profile under Settings → LLM profiles, or start the server with OPENAI_API_KEY " +
  "(and OPENAI_BASE_URL for another OpenAI-compatible endpoint).";

/** The refusal for `question` (quoted, cut to 200 characters), or without it when the question is not at hand. */
export function demoRefusal(question?: string): string {
  const asked = question?.trim()
    ? ` cannot answer "${question.trim().slice(0, 200)}${question.trim().length > 200 ? "…" : ""}"`
    : " cannot answer this";
  return `I am the demo model (a scripted stand-in, not a real LLM), and I${asked}. ${TASKS} ${HOW}`;
}

/** True for a tool result that carries the demo model's refusal from a delegated run. */
export function isDemoRefusal(text: string): boolean {
  return text.includes("I am the demo model");
}
