/**
 * What an agent tool is: a name, a description the model reads, a zod schema for its arguments (also sent to the
 * model as JSON Schema) and a function. Arguments are validated here, so a tool body only ever sees valid input and
 * a model that writes bad arguments gets an observation naming the field, not an exception.
 */
import { z } from "zod";
import type { FrameKind } from "../contracts/session";

/** A trace event the agent or a tool emits; the session adds `seq`, `ts` and the turn id. */
export interface AgentEvent {
  kind: FrameKind;
  data: Record<string, unknown>;
  runId?: string;
  parentRunId?: string;
  depth?: number;
}

export type Emit = (event: AgentEvent) => void;

export interface ToolContext {
  signal: AbortSignal;
  emit: Emit;
  /** The tool call's id, for events that belong to it. */
  callId: string;
}

/** What a tool returns: the observation text the model reads, and structured data for the trace. */
export interface ToolResult {
  ok: boolean;
  output: string;
  data?: Record<string, unknown>;
}

export interface AgentTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments, as OpenAI's `function.parameters`. */
  parameters: Record<string, unknown>;
  invoke(rawArguments: unknown, context: ToolContext): Promise<ToolResult>;
}

/** Builds a tool whose arguments are checked against `schema` before `run` sees them. */
export function defineTool<S extends z.ZodType>(spec: {
  name: string;
  description: string;
  schema: S;
  run(args: z.infer<S>, context: ToolContext): Promise<ToolResult>;
}): AgentTool {
  const { $schema: _, ...parameters } = z.toJSONSchema(spec.schema, { io: "input" }) as Record<string, unknown>;
  return {
    name: spec.name,
    description: spec.description,
    parameters,
    async invoke(rawArguments, context) {
      const parsed = spec.schema.safeParse(rawArguments);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(arguments)"}: ${i.message}`);
        return { ok: false, output: `[ERROR] Invalid arguments for ${spec.name}: ${problems.join("; ")}` };
      }
      return spec.run(parsed.data, context);
    },
  };
}

/** Cuts an observation for the model, saying how long it really was so the model knows to look closer. */
export function capObservation(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[… truncated: ${text.length} characters in all, ${maxChars} shown]`;
}
