import type { CompletionMeta, Finished, Usage } from "./protocol";

/** One server-sent event carrying a JSON payload. */
export function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** The stream terminator OpenAI sends after the last chunk. */
export const SSE_DONE = "data: [DONE]\n\n";

/**
 * Splits text into stream deltas of about `size` characters, cutting after whitespace where it can so deltas look
 * like a tokenizer's output. Concatenating the pieces gives back `text` exactly.
 */
export function splitDeltas(text: string, size: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(text.length, i + size);
    if (end < text.length) {
      const space = text.lastIndexOf(" ", end);
      if (space > i) end = space + 1;
    }
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/** A chunk to write and the completion tokens it carries (for per-token latency). */
export interface StreamChunk {
  payload: unknown;
  tokens: number;
}

/**
 * The `chat.completion.chunk` sequence for a finished reply, in OpenAI's order: a role delta, content or tool-call
 * deltas (a tool call opens with id, type and name, then streams its arguments), a chunk with `finish_reason`, and —
 * with `stream_options.include_usage` — a usage chunk with empty `choices`. With usage requested every other chunk
 * carries `usage: null`, as OpenAI's do.
 */
export function* streamChunks(
  meta: CompletionMeta,
  f: Finished,
  u: Usage,
  opts: { chunkChars: number; includeUsage: boolean },
): Generator<StreamChunk> {
  const base = { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model };
  const extra = { system_fingerprint: "fp_scripted", ...(opts.includeUsage ? { usage: null } : {}) };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    ...base,
    ...extra,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  const tokens = (s: string) => Math.ceil(s.length / 4);

  const hasCalls = f.toolCalls.length > 0;
  const refusing = f.refusal !== null;
  yield { payload: chunk({ role: "assistant", content: hasCalls || refusing ? null : "", refusal: null }), tokens: 0 };
  // OpenAI streams a refusal in `delta.refusal` pieces, as it streams content.
  for (const piece of refusing ? splitDeltas(f.refusal ?? "", opts.chunkChars) : []) {
    yield { payload: chunk({ refusal: piece }), tokens: tokens(piece) };
  }
  if (f.content) {
    for (const piece of splitDeltas(f.content, opts.chunkChars)) {
      yield { payload: chunk({ content: piece }), tokens: tokens(piece) };
    }
  }
  for (const [index, call] of f.toolCalls.entries()) {
    const open = { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } };
    yield { payload: chunk({ tool_calls: [open] }), tokens: tokens(call.name) };
    for (const piece of splitDeltas(call.arguments, opts.chunkChars)) {
      yield { payload: chunk({ tool_calls: [{ index, function: { arguments: piece } }] }), tokens: tokens(piece) };
    }
  }
  yield { payload: chunk({}, f.finishReason), tokens: 0 };
  if (opts.includeUsage) {
    yield { payload: { ...base, system_fingerprint: "fp_scripted", choices: [], usage: u }, tokens: 0 };
  }
}
