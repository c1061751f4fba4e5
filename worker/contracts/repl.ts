/**
 * Wire contract between the host (the Worker's `ReplSession`) and `repl_server.py` running inside a sandbox.
 *
 * The REPL server listens on {@link REPL_PORT} inside the sandbox and is reached through the sandbox's preview URL
 * (Daytona's proxy, or the dev sandbox server's). Every request carries the per-sandbox secret in
 * {@link REPL_SECRET_HEADER}; the preview proxy additionally wants its own `x-daytona-preview-token`.
 *
 * Routes (all JSON):
 * - `GET  /health`                → {@link ReplHealth}
 * - `POST /context` {@link LoadContextRequest} → {@link ContextInfo}   load a file into a variable, once
 * - `POST /exec`    {@link ExecRequest}        → {@link ExecReply}     long-polls until done or blocked on callbacks
 *                                                                       (or `running` after `waitMs`); a repeated
 *                                                                       `execId` re-attaches, never runs twice
 * - `POST /resume`  {@link ResumeRequest}      → {@link ExecReply}     answers callbacks, continues the same exec;
 *                                                                       empty with `execId`: re-attach to that exec
 * - `POST /var`     {@link VarRequest}         → {@link VarReply}      read a variable as text (for `FINAL_VAR`)
 * - `POST /reset`                              → {@link ReplHealth}    drop the namespace (context stays loaded)
 * - `POST /interrupt`                          → `{interrupted}`       cancel the running exec: pending host calls
 *                                                                       and the code itself get `CancelledError`
 * - `POST /snapshot`                           → {@link SnapshotReply} the variables that pickle, as base64
 * - `POST /restore` {@link RestoreRequest}     → {@link RestoreReply}  load a snapshot file the host uploaded
 *
 * Errors: non-2xx with {@link ReplErrorBody}. 401 bad secret, 400 bad body, 409 an exec is already running (or
 * `/resume` without one waiting), 404 unknown route.
 */
import { z } from "zod";

/** Port the REPL server listens on inside the sandbox. */
export const REPL_PORT = 8080;

/** Header carrying the per-sandbox secret that only the host knows. */
export const REPL_SECRET_HEADER = "x-fleet-repl-key";

/** Path of the server script inside the sandbox. */
export const REPL_SERVER_PATH = "/home/daytona/.fleet/repl_server.py";

/**
 * Environment variable the dev sandbox server sets inside its sandboxes: a directory where a process that wants to
 * "listen on port N" binds the Unix socket `N.sock` instead, because dev sandboxes have no network namespace of their
 * own to listen in. Real Daytona never sets it, so the REPL server listens on TCP there.
 */
export const DEV_PORTS_DIR_ENV = "DAYTONA_DEV_PORTS_DIR";

export const ReplHealth = z.object({
  ok: z.literal(true),
  pid: z.number().int(),
  busy: z.boolean(),
  contexts: z.array(z.string()),
  python: z.string(),
});
export type ReplHealth = z.infer<typeof ReplHealth>;

export const LoadContextRequest = z.object({
  /** Absolute path of an uploaded file inside the sandbox. */
  path: z.string().min(1),
  /** Variable name to bind; `context` for the RLM. */
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .default("context"),
  /** `auto` parses `.json` files as JSON and leaves everything else as `str`. */
  format: z.enum(["auto", "text", "json"]).default("auto"),
});
export type LoadContextRequest = z.input<typeof LoadContextRequest>;

/** Metadata about a loaded context: what the root model is allowed to see instead of the context itself. */
export const ContextInfo = z.object({
  name: z.string(),
  type: z.enum(["str", "list", "dict"]),
  /** Characters for `str`, items for `list`/`dict`. */
  length: z.number().int(),
  /** Lengths of the top-level items (chars) for a list/dict; a single entry for a str. Capped at 100 entries. */
  chunkLengths: z.array(z.number().int()),
  bytes: z.number().int(),
  loadMs: z.number(),
});
export type ContextInfo = z.infer<typeof ContextInfo>;

export const ExecRequest = z.object({
  code: z.string(),
  /** Wall-clock limit for this exec, excluding time spent waiting on host callbacks. */
  timeoutMs: z.number().int().positive().max(3_600_000).default(60_000),
  /** Characters of stdout/stderr kept each; the true length is still reported. */
  maxOutputChars: z.number().int().positive().max(10_000_000).default(100_000),
  /**
   * The host's id for this exec. The server remembers the last few: a repeated `/exec` with the same id (a proxy
   * replaying the POST, a host that lost the reply) re-attaches to it, running or finished, instead of running it again.
   */
  execId: z.string().min(1).max(100).optional(),
  /** Longest this poll may be held (at most 30 s); then the reply is `running` and the host polls again. */
  waitMs: z.number().int().positive().max(30_000).optional(),
});
export type ExecRequest = z.input<typeof ExecRequest>;

/** A call from sandbox code to a host function, e.g. `llm_query`. */
export const CallbackCall = z.object({
  id: z.string(),
  fn: z.string(),
  args: z.array(z.unknown()),
  kwargs: z.record(z.string(), z.unknown()).default({}),
});
export type CallbackCall = z.infer<typeof CallbackCall>;

export const ExecError = z.object({
  /** Python exception class name, e.g. `ZeroDivisionError`, `TimeoutError`, `MemoryError`. */
  type: z.string(),
  message: z.string(),
  /** A short traceback (user frames only), already size-capped. */
  traceback: z.string(),
});
export type ExecError = z.infer<typeof ExecError>;

export const ExecDone = z.object({
  status: z.literal("done"),
  stdout: z.string(),
  stderr: z.string(),
  /** True lengths before capping. */
  stdoutChars: z.number().int(),
  stderrChars: z.number().int(),
  error: ExecError.nullable(),
  /** Set when code called `FINAL_VAR(name)`/`FINAL(value)` or set `answer["ready"] = True`. */
  final: z.string().nullable(),
  durationMs: z.number(),
});
export type ExecDone = z.infer<typeof ExecDone>;

export const ExecCallbacks = z.object({
  status: z.literal("callbacks"),
  calls: z.array(CallbackCall).min(1),
});
export type ExecCallbacks = z.infer<typeof ExecCallbacks>;

/** The exec is still computing after the poll's `waitMs`: poll again (an empty `/resume` with its `execId`). */
export const ExecRunning = z.object({ status: z.literal("running") });
export type ExecRunning = z.infer<typeof ExecRunning>;

export const ExecReply = z.discriminatedUnion("status", [ExecDone, ExecCallbacks, ExecRunning]);
export type ExecReply = z.infer<typeof ExecReply>;

/**
 * One answer to a callback. `error.type` becomes the Python exception raised at the call site:
 * `budget_exhausted` → `BudgetExhaustedError`, `cancelled` → `CancelledError`, anything else → `HostCallError`.
 */
export const CallbackResult = z.union([
  z.object({ id: z.string(), value: z.unknown() }),
  z.object({ id: z.string(), error: z.object({ type: z.string(), message: z.string() }) }),
]);
export type CallbackResult = z.infer<typeof CallbackResult>;

export const ResumeRequest = z.object({
  results: z.array(CallbackResult),
  /** With no results: re-attach to this exec (running, or among the last few finished). */
  execId: z.string().min(1).max(100).optional(),
  /** As in {@link ExecRequest}. */
  waitMs: z.number().int().positive().max(30_000).optional(),
});
export type ResumeRequest = z.infer<typeof ResumeRequest>;

export const VarRequest = z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) });
export type VarRequest = z.infer<typeof VarRequest>;

export const VarReply = z.discriminatedUnion("found", [
  z.object({ found: z.literal(true), value: z.string(), type: z.string() }),
  z.object({ found: z.literal(false), available: z.array(z.string()) }),
]);
export type VarReply = z.infer<typeof VarReply>;

/** A variable a snapshot or restore left out, and why (it does not pickle, is too large, its class is gone). */
export const SkippedVariable = z.object({ name: z.string(), reason: z.string() });

export const SnapshotReply = z.object({
  /** Base64 of a pickled `{name: pickled value}` mapping; only a sandbox ever unpickles it. */
  data: z.string(),
  saved: z.array(z.string()),
  skipped: z.array(SkippedVariable),
});
export type SnapshotReply = z.infer<typeof SnapshotReply>;

export const RestoreRequest = z.object({ path: z.string() });
export const RestoreReply = z.object({ restored: z.array(z.string()), skipped: z.array(SkippedVariable) });
export type RestoreReply = z.infer<typeof RestoreReply>;

export const ReplErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ReplErrorBody = z.infer<typeof ReplErrorBody>;
