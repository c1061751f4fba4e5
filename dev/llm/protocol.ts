import type { ChatMessage, ChatRequest, ErrorReply, Role, ToolCall, ToolChoice, ToolDef } from "./types";

const ROLES = new Set<Role>(["system", "developer", "user", "assistant", "tool", "function"]);

/** OpenAI's error envelope: `{error:{message, type, param, code}}`. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

// Default wording and `type` per status, as OpenAI's API sends them.
const DEFAULTS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: "Invalid request.", type: "invalid_request_error", code: null },
  401: { message: "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key" },
  403: { message: "You are not allowed to sample from this model.", type: "invalid_request_error", code: null },
  404: { message: "Not found.", type: "invalid_request_error", code: null },
  429: {
    message: "Rate limit reached for requests. Please try again later.",
    type: "requests",
    code: "rate_limit_exceeded",
  },
  500: {
    message: "The server had an error while processing your request. Sorry about that!",
    type: "server_error",
    code: null,
  },
  502: { message: "Bad gateway.", type: "server_error", code: null },
  503: {
    message: "The engine is currently overloaded, please try again later.",
    type: "server_error",
    code: null,
  },
};

/** Status, headers and body of an error response. */
export function errorResponse(e: ErrorReply): {
  status: number;
  headers: Record<string, string>;
  body: OpenAiErrorBody;
} {
  const d = DEFAULTS[e.status] ?? DEFAULTS[e.status >= 500 ? 500 : 400];
  const headers: Record<string, string> = {};
  if (e.retryAfter !== undefined) {
    headers["retry-after"] = String(Math.ceil(e.retryAfter));
    headers["retry-after-ms"] = String(Math.round(e.retryAfter * 1000));
  }
  if (e.location !== undefined) headers.location = e.location;
  return {
    status: e.status,
    headers,
    body: {
      error: {
        message: e.message ?? d?.message ?? "Error.",
        type: e.type ?? d?.type ?? "server_error",
        param: e.param ?? null,
        code: e.code !== undefined ? e.code : (d?.code ?? null),
      },
    },
  };
}

/** Shorthand for a 400 `invalid_request_error`. */
export function badRequest(message: string, param: string | null = null, code: string | null = null): ErrorReply {
  return { kind: "error", status: 400, message, param, code, type: "invalid_request_error" };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Flattens OpenAI content (string, `null`, or an array of parts) to text; non-text parts are dropped. */
export function contentText(content: unknown): string | null {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return null;
  return content.map((p) => (isObject(p) && typeof p.text === "string" ? p.text : "")).join("");
}

function parseToolCalls(v: unknown): ToolCall[] | null {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return null;
  const out: ToolCall[] = [];
  for (const c of v) {
    const fn = isObject(c) && isObject(c.function) ? c.function : null;
    if (!isObject(c) || !fn || typeof fn.name !== "string") return null;
    const args = typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? {});
    out.push({ id: typeof c.id === "string" ? c.id : "", name: fn.name, arguments: args });
  }
  return out;
}

function parseMessage(m: unknown, i: number): ChatMessage | ErrorReply {
  const param = `messages.[${i}]`;
  if (!isObject(m)) return badRequest(`Invalid type for '${param}': expected an object.`, param, "invalid_type");
  if (typeof m.role !== "string" || !ROLES.has(m.role as Role)) {
    return badRequest(`Invalid value for '${param}.role'.`, `${param}.role`, "invalid_value");
  }
  const content = contentText(m.content);
  if (content === null) return badRequest(`Invalid type for '${param}.content'.`, `${param}.content`, "invalid_type");
  const toolCalls = parseToolCalls(m.tool_calls);
  if (toolCalls === null) return badRequest(`Invalid '${param}.tool_calls'.`, `${param}.tool_calls`, "invalid_type");
  const msg: ChatMessage = { role: m.role as Role, content };
  if (typeof m.name === "string") msg.name = m.name;
  if (toolCalls.length > 0) msg.toolCalls = toolCalls;
  if (typeof m.tool_call_id === "string") msg.toolCallId = m.tool_call_id;
  return msg;
}

function parseTools(v: unknown): ToolDef[] | ErrorReply {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return badRequest("Invalid type for 'tools': expected an array.", "tools", "invalid_type");
  const out: ToolDef[] = [];
  for (const [i, t] of v.entries()) {
    const fn = isObject(t) && isObject(t.function) ? t.function : null;
    if (!fn || typeof fn.name !== "string") return badRequest(`Invalid 'tools[${i}]'.`, `tools[${i}]`, "invalid_type");
    out.push({
      name: fn.name,
      description: typeof fn.description === "string" ? fn.description : undefined,
      parameters: isObject(fn.parameters) ? fn.parameters : undefined,
    });
  }
  return out;
}

function parseToolChoice(v: unknown): ToolChoice {
  if (v === "none" || v === "required" || v === "auto") return { kind: v };
  if (isObject(v) && isObject(v.function) && typeof v.function.name === "string") {
    return { kind: "function", name: v.function.name };
  }
  return { kind: "auto" };
}

/** Validates a chat-completions body the way OpenAI does for the fields this server uses. */
export function parseChatRequest(body: unknown): ChatRequest | ErrorReply {
  if (!isObject(body)) return badRequest("The request body must be a JSON object.");
  if (typeof body.model !== "string" || body.model === "") {
    return badRequest("Missing required parameter: 'model'.", "model", "missing_required_parameter");
  }
  if (body.messages === undefined) {
    return badRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return badRequest("Invalid 'messages': expected a non-empty array.", "messages", "invalid_value");
  }
  const messages: ChatMessage[] = [];
  for (const [i, m] of body.messages.entries()) {
    const parsed = parseMessage(m, i);
    if ("kind" in parsed) return parsed;
    messages.push(parsed);
  }
  const tools = parseTools(body.tools);
  if ("kind" in tools) return tools;
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    return badRequest("This server supports only n=1.", "n", "unsupported_value");
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") {
    return badRequest("Invalid type for 'stream': expected a boolean.", "stream", "invalid_type");
  }
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (max !== undefined && max !== null && (typeof max !== "number" || !Number.isInteger(max) || max < 1)) {
    return badRequest("Invalid 'max_tokens': expected a positive integer.", "max_tokens", "invalid_value");
  }
  const stop = typeof body.stop === "string" ? [body.stop] : Array.isArray(body.stop) ? body.stop : [];
  return {
    model: body.model,
    messages,
    stream: body.stream === true,
    includeUsage: isObject(body.stream_options) && body.stream_options.include_usage === true,
    tools,
    toolChoice: parseToolChoice(body.tool_choice),
    maxTokens: typeof max === "number" ? max : undefined,
    stop: stop.filter((s): s is string => typeof s === "string" && s !== ""),
  };
}

/** OpenAI's `usage` object. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

/** Builds `usage` from counts. */
export function usage(prompt: number, completion: number, cached: number): Usage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  };
}

/** The final content, tool calls and `finish_reason` after `stop` and `max_tokens` are applied. */
export interface Finished {
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: "stop" | "length" | "tool_calls";
  /** A refusal replaces the content (OpenAI sends `content: null` beside it). */
  refusal: string | null;
}

/** Applies the caller's `stop` sequences and token limit to a reply, as a real model's decoding would. */
export function finish(
  content: string | null,
  toolCalls: ToolCall[],
  req: ChatRequest,
  refusal: string | null = null,
): Finished {
  if (refusal !== null) return { content: null, toolCalls: [], finishReason: "stop", refusal };
  if (toolCalls.length > 0) return { content, toolCalls, finishReason: "tool_calls", refusal: null };
  let text = content ?? "";
  for (const s of req.stop) {
    const at = text.indexOf(s);
    if (at >= 0) text = text.slice(0, at);
  }
  if (req.maxTokens !== undefined && text.length > req.maxTokens * 4) {
    return { content: text.slice(0, req.maxTokens * 4), toolCalls, finishReason: "length", refusal: null };
  }
  return { content: text, toolCalls, finishReason: "stop", refusal: null };
}

/** Identity of one completion, shared by its JSON body or all of its stream chunks. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

/** A `chat.completion` object. */
export function completionBody(meta: CompletionMeta, f: Finished, u: Usage) {
  return {
    id: meta.id,
    object: "chat.completion" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: "fp_scripted",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant" as const,
          content: f.content,
          refusal: f.refusal,
          ...(f.toolCalls.length > 0
            ? {
                tool_calls: f.toolCalls.map((c) => ({
                  id: c.id,
                  type: "function" as const,
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        },
        logprobs: null,
        finish_reason: f.finishReason,
      },
    ],
    usage: u,
  };
}
