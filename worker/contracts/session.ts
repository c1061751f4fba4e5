/**
 * Chat sessions: the REST resources under `/v1/sessions` and the WebSocket frames of `GET /v1/sessions/{id}/ws`
 * (DESIGN §4.1). The SPA imports these schemas, so the browser and the Durable Object validate the same shapes.
 */
import { z } from "@hono/zod-openapi";
import { RunBudget, RunModels, RunUsage } from "./rlm";

/** How a turn may use the tools: everything, delegation forced, or no delegation. */
export const ExecutionMode = z.enum(["auto", "rlm", "tools"]).openapi("ExecutionMode", {
  description: "`auto`: the agent decides; `rlm`: the turn is delegated to an RLM; `tools`: no delegation",
});
export type ExecutionMode = z.infer<typeof ExecutionMode>;

/** The longest user message: long inputs belong in documents, where the RLM reads them without a context window. */
export const MAX_MESSAGE_CHARS = 100_000;

export const MessageFrame = z.object({
  type: z.literal("message"),
  text: z.string().trim().min(1).max(MAX_MESSAGE_CHARS),
  mode: ExecutionMode.default("auto"),
  documents: z.array(z.uuid()).max(32).default([]),
  budget: RunBudget.default({}),
  models: RunModels.default({}),
});

export const CancelFrame = z.object({ type: z.literal("cancel") });

export const ResumeFrame = z.object({
  type: z.literal("resume"),
  /** The last `seq` the client holds; 0 for a client that has nothing yet. */
  after: z.number().int().nonnegative(),
});

export const FeedbackFrame = z.object({
  type: z.literal("feedback"),
  runId: z.uuid(),
  score: z.union([z.literal(-1), z.literal(1)]),
  comment: z.string().max(4_000).optional(),
  expectedAnswer: z.string().max(20_000).optional(),
});

/** Everything a client may send on the socket. */
export const ClientFrame = z.discriminatedUnion("type", [MessageFrame, CancelFrame, ResumeFrame, FeedbackFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type MessageFrame = z.infer<typeof MessageFrame>;

export const FRAME_KINDS = [
  "turn_started",
  "assistant_delta",
  "reasoning",
  "tool_call",
  "tool_result",
  "rlm_started",
  "rlm_iteration",
  "rlm_completed",
  "llm_call",
  "sandbox",
  "budget",
  "warning",
  "error",
  "turn_completed",
  "cancelled",
  "feedback_saved",
] as const;
export const FrameKind = z.enum(FRAME_KINDS);
export type FrameKind = z.infer<typeof FrameKind>;

/**
 * Everything the server sends. `seq` is gapless per session for frames in the session's history; a reply meant only
 * for the socket that caused it (a malformed frame, a message during a turn) carries `seq: null` and is not stored.
 */
export const ServerFrame = z
  .object({
    seq: z.number().int().positive().nullable(),
    /** Milliseconds since the epoch, when the server emitted the frame. */
    ts: z.number(),
    kind: FrameKind,
    turnId: z.string().optional(),
    runId: z.string().optional(),
    parentRunId: z.string().optional(),
    depth: z.number().int().optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("SessionEvent");
export type ServerFrame = z.infer<typeof ServerFrame>;

// ---- REST ------------------------------------------------------------------------------------------------------

export const SessionStatus = z.enum(["active", "archived"]);

export const Session = z
  .object({
    id: z.string(),
    title: z.string(),
    status: SessionStatus,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Session");
export type Session = z.infer<typeof Session>;

export const CreateSessionRequest = z
  .object({ title: z.string().trim().min(1).max(200).optional() })
  .openapi("CreateSessionRequest");

export const UpdateSessionRequest = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    status: SessionStatus.optional().openapi({ description: "`active` reopens an archived session" }),
  })
  .refine((v) => v.title !== undefined || v.status !== undefined, { message: "Give a title or a status" })
  .openapi("UpdateSessionRequest");

export const ListSessionsQuery = z.object({
  q: z.string().trim().max(200).optional().openapi({ description: "Case-insensitive search in titles" }),
  status: SessionStatus.default("active"),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` of the previous page" }),
});

export const SessionPage = z
  .object({ sessions: z.array(Session), nextCursor: z.string().nullable() })
  .openapi("SessionPage");

export const Turn = z
  .object({
    id: z.string(),
    index: z.number().int(),
    userMessage: z.string(),
    answer: z.string().nullable(),
    status: z.enum(["running", "completed", "failed", "cancelled"]),
    usage: RunUsage.nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    runId: z.string().nullable().openapi({ description: "The turn's agent run, root of its trace tree" }),
    startedAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
  })
  .openapi("Turn");
export type Turn = z.infer<typeof Turn>;

export const SessionDetail = Session.extend({ turns: z.array(Turn) }).openapi("SessionDetail");

export const EventsQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(1_000).default(200),
});

export const EventPage = z
  .object({
    events: z.array(ServerFrame),
    /** Pass as `after` for the next page; equal to `after` when there is nothing newer. */
    lastSeq: z.number().int().nonnegative(),
    hasMore: z.boolean(),
  })
  .openapi("SessionEventPage");
export type EventPage = z.infer<typeof EventPage>;
