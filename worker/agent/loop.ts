/**
 * The ReAct loop of one chat turn: the model thinks, calls a tool, reads the observation, and repeats until it
 * answers. Native tool calling by default; a JSON protocol for providers without it. Every step is emitted as a
 * trace event; the loop knows nothing of sockets, storage or budgets (the `llm` it is given is already metered).
 */
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import { z } from "zod";
import { isAppError } from "../errors";
import { isAbortError, type LlmCompletion, type LlmRequest, type LlmToolCall } from "../llm";
import { fitContext } from "./context-window";
import { deltaBuffer } from "./delta-buffer";
import { FORCED_ANSWER_PROMPT } from "./prompts";
import { type AgentTool, capObservation, defineTool, type Emit } from "./tool";
import { JSON_PROTOCOL_INSTRUCTIONS, parseJsonStep } from "./tool-json";

export interface AgentSettings {
  /** Tool steps before the forced answer; the Python original uses 10–15. */
  maxIterations: number;
  /** Token budget of one request's messages, leaving the rest of the model's window for the reply. */
  contextTokens: number;
  toolCalling: "native" | "json";
  /** Longest observation the model reads; longer ones are cut with their true length stated. */
  maxObservationChars: number;
}

export const DEFAULT_AGENT_SETTINGS: AgentSettings = {
  maxIterations: 12,
  contextTokens: 96_000,
  toolCalling: "native",
  maxObservationChars: 12_000,
};

export interface AgentTurnInput {
  systemPrompt: string;
  /** Earlier turns, oldest first, as user/assistant messages. */
  history: ChatCompletionMessageParam[];
  userMessage: string;
  /** A tool the first step must call (execution mode `rlm`). */
  requiredTool?: string;
}

export interface AgentDeps {
  llm: { complete(request: LlmRequest): Promise<LlmCompletion> };
  tools: AgentTool[];
  emit: Emit;
  signal: AbortSignal;
  settings?: Partial<AgentSettings>;
}

export type AgentOutcome =
  | { status: "completed"; answer: string; forced: boolean; iterations: number }
  | { status: "cancelled"; iterations: number }
  | { status: "failed"; error: { code: string; message: string }; iterations: number };

const FINISH = "finish";

const finishTool = defineTool({
  name: FINISH,
  description: "End the turn with your final answer to the user (markdown).",
  schema: z.object({ answer: z.string().min(1) }),
  async run(args) {
    return { ok: true, output: args.answer };
  },
});

function toOpenAiTools(tools: readonly AgentTool[]): ChatCompletionFunctionTool[] {
  return tools.map((t) => ({
    type: "function",
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

function describeTools(tools: readonly AgentTool[]): string {
  return tools.map((t) => `- ${t.name}: ${t.description}\n  arguments: ${JSON.stringify(t.parameters)}`).join("\n");
}

function parseArguments(text: string): unknown {
  try {
    return text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return text;
  }
}

/** Runs one turn to its outcome. Expected endings (cancel, provider failure, budget) are results, not throws. */
export async function runAgentTurn(input: AgentTurnInput, deps: AgentDeps): Promise<AgentOutcome> {
  const settings = { ...DEFAULT_AGENT_SETTINGS, ...deps.settings };
  const tools = [...deps.tools, finishTool];
  const byName = new Map(tools.map((t) => [t.name, t]));
  const json = settings.toolCalling === "json";
  const system = json
    ? `${input.systemPrompt}\n\nTools:\n${describeTools(tools)}\n\n${JSON_PROTOCOL_INSTRUCTIONS}`
    : input.systemPrompt;
  const messages: ChatCompletionMessageParam[] = [
    { role: "system", content: system },
    ...input.history,
    { role: "user", content: input.userMessage },
  ];
  let turnStart = 1 + input.history.length;
  let iterations = 0;

  const call = async (iteration: number, toolChoice: ChatCompletionToolChoiceOption | undefined, forced: boolean) => {
    const fitted = fitContext(messages, turnStart, settings.contextTokens);
    if (fitted.trimmedObservations + fitted.droppedHistoryMessages > 0) {
      messages.splice(0, messages.length, ...fitted.messages);
      turnStart -= fitted.droppedHistoryMessages;
      deps.emit({
        kind: "warning",
        data: {
          code: "context_trimmed",
          message: `Trimmed ${fitted.trimmedObservations} old observations and ${fitted.droppedHistoryMessages} earlier messages to fit the context window`,
        },
      });
    }
    const deltas = deltaBuffer((text) => deps.emit({ kind: "assistant_delta", data: { text, iteration } }));
    try {
      return await deps.llm.complete({
        role: "planner",
        messages,
        ...(json || forced ? {} : { tools: toOpenAiTools(tools), toolChoice }),
        signal: deps.signal,
        // In JSON mode the reply is a protocol object, not prose for the user: it is not streamed.
        ...(json ? {} : { onDelta: (text: string) => deltas.push(text) }),
      });
    } finally {
      deltas.flush();
    }
  };

  try {
    for (iterations = 1; iterations <= settings.maxIterations; iterations += 1) {
      const toolChoice: ChatCompletionToolChoiceOption | undefined =
        iterations === 1 && input.requiredTool
          ? { type: "function", function: { name: input.requiredTool } }
          : undefined;
      const reply = await call(iterations, toolChoice, false);
      let toolCalls: LlmToolCall[] = reply.toolCalls;
      let answer: string | null = null;
      if (json) {
        const step = parseJsonStep(reply.content);
        if (step.kind === "tool") {
          toolCalls = [{ id: `json_${iterations}`, name: step.name, arguments: JSON.stringify(step.arguments) }];
        } else {
          answer = step.text;
          deps.emit({ kind: "assistant_delta", data: { text: answer, iteration: iterations } });
        }
      } else if (toolCalls.length === 0) {
        answer = reply.content;
      }
      if (answer !== null) return { status: "completed", answer, forced: false, iterations };

      if (reply.content.trim() && !json) {
        deps.emit({ kind: "reasoning", data: { text: reply.content, iteration: iterations } });
      }
      messages.push(
        json
          ? { role: "assistant", content: reply.content }
          : {
              role: "assistant",
              content: reply.content || null,
              tool_calls: toolCalls.map((c) => ({
                id: c.id,
                type: "function" as const,
                function: { name: c.name, arguments: c.arguments },
              })),
            },
      );
      for (const toolCall of toolCalls) {
        const args = parseArguments(toolCall.arguments);
        deps.emit({
          kind: "tool_call",
          data: { callId: toolCall.id, name: toolCall.name, arguments: args, iteration: iterations },
        });
        const tool = byName.get(toolCall.name);
        const started = Date.now();
        const result = tool
          ? await tool.invoke(args, { signal: deps.signal, emit: deps.emit, callId: toolCall.id })
          : {
              ok: false,
              output: `[ERROR] There is no tool named ${toolCall.name}. Tools: ${[...byName.keys()].join(", ")}`,
            };
        deps.signal.throwIfAborted();
        const observation = capObservation(result.output, settings.maxObservationChars);
        deps.emit({
          kind: "tool_result",
          data: {
            callId: toolCall.id,
            name: toolCall.name,
            ok: result.ok,
            output: capObservation(result.output, 4_000),
            outputChars: result.output.length,
            latencyMs: Date.now() - started,
            ...(result.data ? { result: result.data } : {}),
          },
        });
        if (toolCall.name === FINISH && result.ok) {
          deps.emit({ kind: "assistant_delta", data: { text: result.output, iteration: iterations } });
          return { status: "completed", answer: result.output, forced: false, iterations };
        }
        messages.push(
          json
            ? { role: "user", content: `Observation from ${toolCall.name}:\n${observation}` }
            : { role: "tool", tool_call_id: toolCall.id, content: observation },
        );
      }
    }
    iterations = settings.maxIterations;
    messages.push({ role: "user", content: FORCED_ANSWER_PROMPT });
    const reply = await call(iterations + 1, undefined, true);
    const step = json ? parseJsonStep(reply.content) : null;
    const answer = step && step.kind !== "tool" ? step.text : reply.content;
    if (json) deps.emit({ kind: "assistant_delta", data: { text: answer, iteration: iterations + 1 } });
    return { status: "completed", answer, forced: true, iterations };
  } catch (err) {
    if (deps.signal.aborted || isAbortError(err)) return { status: "cancelled", iterations };
    if (isAppError(err)) return { status: "failed", error: { code: err.code, message: err.message }, iterations };
    throw err;
  }
}
