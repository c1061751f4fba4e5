/**
 * How a chat conversation becomes a task: the last user message is the query and the conversation around it the
 * context (or the attached documents are). Pure, so it tests in Node.
 */
import type { ChatCompletionRequest, ChatMessage } from "../contracts/openai";
import type { CreateTaskRequest } from "../contracts/tasks";
import { AppError } from "../errors";

/**
 * A last message longer than this is a document with a question, not a question: its last paragraph is the query
 * and the rest joins the context. 4,000 characters is a long question and a short document.
 */
export const QUERY_MAX_CHARS = 4_000;
/** The task contract's own limit on a query, which a conversation sent with documents must fit. */
const TASK_QUERY_MAX_CHARS = 20_000;

function invalid(param: string, message: string): AppError {
  return new AppError("validation_failed", message, { details: { issues: [{ field: `json.${param}`, message }] } });
}

/** A message's text: a string, or its text parts joined. */
export function messageText(message: ChatMessage): string {
  if (typeof message.content === "string") return message.content;
  if (!message.content) return "";
  return message.content
    .map((part) => ("text" in part && typeof part.text === "string" ? part.text : ""))
    .filter(Boolean)
    .join("\n");
}

/** Splits a long message at its last paragraph: the question usually follows the text it is about. */
function splitLong(text: string): { body: string; question: string } {
  const trimmed = text.trim();
  const cut = trimmed.lastIndexOf("\n\n");
  const question = cut === -1 ? trimmed.slice(-QUERY_MAX_CHARS) : trimmed.slice(cut + 2).slice(-QUERY_MAX_CHARS);
  return { body: trimmed.slice(0, trimmed.length - question.length).trimEnd(), question: question.trim() };
}

function transcript(messages: Array<{ role: string; text: string }>): string {
  return messages.map((m) => `### ${m.role}\n${m.text}`).join("\n\n");
}

/** What the model name asks for: the mode, and an optional planner model after a colon. */
export function parseModel(model: string): { mode: "rlm" | "agent"; planner?: string } | null {
  const match = /^(fleet-rlm|fleet-rlm-agent)(?::(.+))?$/.exec(model.trim());
  if (!match) return null;
  return { mode: match[1] === "fleet-rlm-agent" ? "agent" : "rlm", planner: match[2] };
}

/**
 * The task a completion request starts. Throws `validation_failed` naming the OpenAI field (`json.messages.N…`) when
 * the conversation cannot be one, and `not_found` for an unknown model.
 */
export function toTaskInput(request: ChatCompletionRequest): CreateTaskRequest {
  const model = parseModel(request.model);
  if (!model) {
    throw new AppError("not_found", `The model '${request.model}' does not exist; see GET /v1/models`, {
      details: { issues: [{ field: "json.model", message: "unknown model" }] },
    });
  }
  const lastIndex = request.messages.length - 1;
  const last = request.messages[lastIndex] as ChatMessage;
  if (last.role !== "user") throw invalid(`messages.${lastIndex}.role`, "The last message must be the user's");
  const lastText = messageText(last).trim();
  if (!lastText) throw invalid(`messages.${lastIndex}.content`, "The last user message has no text");
  const earlier = request.messages
    .slice(0, lastIndex)
    .map((m) => ({ role: m.role, text: messageText(m) }))
    .filter((m) => m.text.trim());
  const ext = request.fleet_rlm ?? {};
  const common = {
    mode: model.mode,
    budget: ext.budget ?? {},
    models: model.planner ? { planner: model.planner } : {},
    maxIterations: ext.maxIterations ?? 20,
    maxDepth: ext.maxDepth ?? 1,
    subCallConcurrency: ext.subCallConcurrency ?? 16,
  };
  if (ext.documents?.length) {
    // The documents are the context, so the conversation itself travels in the query, which has a limit.
    const query = earlier.length ? transcript([...earlier, { role: "user", text: lastText }]) : lastText;
    if (query.length > TASK_QUERY_MAX_CHARS) {
      throw invalid(
        "messages",
        `With documents attached the conversation is the query and must fit in ${TASK_QUERY_MAX_CHARS} characters; upload long text as a document`,
      );
    }
    return { ...common, query, documents: ext.documents };
  }
  const { body, question } = lastText.length > QUERY_MAX_CHARS ? splitLong(lastText) : { body: "", question: lastText };
  const parts = body ? [...earlier, { role: "user", text: body }] : earlier;
  // Only the last message and no documents: the message is its own context, so an RLM run has something to read.
  const context = parts.length === 0 ? lastText : parts.length === 1 && !earlier.length ? body : transcript(parts);
  return { ...common, query: question, context };
}
