/**
 * The JSON fallback for providers without native tool calling: the model answers with one JSON object naming a tool
 * and its arguments, or its final answer. Pure parsing, so every malformed shape is testable without a model.
 */

export type JsonStep =
  | { kind: "tool"; name: string; arguments: Record<string, unknown> }
  | { kind: "final"; text: string }
  /** No JSON step in the reply: the text itself is the answer. */
  | { kind: "text"; text: string };

/** The instruction appended to the system prompt in JSON mode. */
export const JSON_PROTOCOL_INSTRUCTIONS = [
  "Reply with exactly one JSON object and nothing else:",
  '- to use a tool: {"tool": "<tool name>", "arguments": {…}}',
  '- to answer the user: {"final": "<your answer, markdown allowed>"}',
].join("\n");

function candidates(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)) if (m[1]) found.push(m[1]);
  const first = text.indexOf("{");
  const last = text.lastIndexOf("}");
  if (first !== -1 && last > first) found.push(text.slice(first, last + 1));
  return found;
}

/** Reads the step a JSON-mode reply asks for. */
export function parseJsonStep(reply: string): JsonStep {
  for (const candidate of candidates(reply)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) continue;
    const obj = value as Record<string, unknown>;
    if (typeof obj.final === "string") return { kind: "final", text: obj.final };
    if (typeof obj.tool === "string" && obj.tool.length > 0) {
      const args = obj.arguments ?? obj.args ?? {};
      if (args && typeof args === "object" && !Array.isArray(args)) {
        return { kind: "tool", name: obj.tool, arguments: args as Record<string, unknown> };
      }
    }
  }
  return { kind: "text", text: reply.trim() };
}
