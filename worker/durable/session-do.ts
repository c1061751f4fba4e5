import { DurableObject } from "cloudflare:workers";
import { loadMemory } from "../agent/memory";
import { checkAccess } from "../auth/credential";
import { hasScope, type Scope } from "../auth/scopes";
import type { Sql } from "../budget";
import { nulIssues } from "../contracts/nul";
import { ClientFrame, type EventPage, type MessageFrame } from "../contracts/session";
import { openDb } from "../db/client";
import { finishTurn } from "../db/queries/sessions";
import { repos } from "../db/repos";
import { isAppError } from "../errors";
import { releaseRun } from "../quotas";
import { acceptTurn, runTurn, type TurnEnd } from "../runs";
import { tenantSandboxProvider } from "../sandbox";
import { EventLog, type NewFrame } from "../session/event-log";
import { sessionSandbox, sessionVariables } from "../session/session-sandbox";
import { SessionState } from "../session/session-state";
import { ACCESS_CHECK_MS, FRAME_SCOPES, socketAccess } from "../session/socket-access";
import { closeInterruptedTrace } from "../trace";
import { SESSION_HEADERS } from "./session-stub";

/** How often the watchdog checks a running turn; also the longest an interrupted turn can look alive. */
const WATCHDOG_MS = 30_000;
/** Frames replayed per `resume` burst; a client far behind pages through the rest with further resumes. */
const REPLAY_LIMIT = 5_000;

/** Per-socket state, kept in the socket's attachment so it survives hibernation. */
interface Attachment {
  tenantId: string;
  userId: string | null;
  /** The scopes of the credential that opened the socket; every frame is authorised against them. */
  scopes: Scope[];
  /** That credential (`worker/auth/credential.ts`), checked again every {@link ACCESS_CHECK_MS}. */
  credential: string;
  /** Receives live frames: set by its first `resume` or `message`, so replay and live frames never interleave. */
  live: boolean;
}

interface RunningTurn {
  turnId: string | null;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * One chat session: its WebSockets (hibernatable), its event log, its running turn and its sandbox. The protocol is
 * DESIGN §4.1; the turn itself, the log and the sandbox are standalone modules in `worker/session/` and `worker/agent/`.
 */
export class SessionDO extends DurableObject<Env> {
  #log!: EventLog;
  #state!: SessionState;
  #turn: RunningTurn | null = null;
  #repl: ReturnType<typeof sessionSandbox> | null = null;
  #replEmit: (event: NewFrame) => void = () => {};

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    void ctx.blockConcurrencyWhile(async () => {
      const { sql } = ctx.storage;
      const tag: Sql = (strings, ...values) => sql.exec(strings.join("?"), ...values).toArray();
      this.#log = EventLog.open(tag);
      this.#state = SessionState.open(tag);
    });
  }

  /** The WebSocket upgrade, already authenticated by the Worker. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade", { status: 426 });
    }
    const tenantId = request.headers.get(SESSION_HEADERS.tenant);
    const sessionId = request.headers.get(SESSION_HEADERS.session);
    if (!tenantId || !sessionId) return new Response("Missing session identity", { status: 400 });
    const owner = this.#state.owner;
    if (owner && (owner.tenantId !== tenantId || owner.sessionId !== sessionId)) {
      return new Response("Not found", { status: 404 });
    }
    if (!owner) this.#state.owner = { tenantId, sessionId };
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [tenantId]);
    const attachment: Attachment = {
      tenantId,
      userId: request.headers.get(SESSION_HEADERS.user),
      scopes: (request.headers.get(SESSION_HEADERS.scopes) ?? "").split(" ").filter(Boolean) as Scope[],
      credential: request.headers.get(SESSION_HEADERS.credential) ?? "",
      live: false,
    };
    server.serializeAttachment(attachment);
    await this.#armAlarm();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const attachment = ws.deserializeAttachment() as Attachment;
    let raw: unknown;
    try {
      raw = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      return this.#reply(ws, "validation_failed", "Frames are JSON objects", [
        { field: "(frame)", message: "not JSON" },
      ]);
    }
    // Postgres stores no U+0000: a frame carrying one is refused naming the field, like any HTTP body.
    const nul = nulIssues(raw, "frame");
    if (nul.length > 0) return this.#reply(ws, "validation_failed", "The frame holds a NUL character", nul);
    const parsed = ClientFrame.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ field: i.path.join(".") || "(frame)", message: i.message }));
      return this.#reply(ws, "validation_failed", "The frame is not valid", issues);
    }
    const frame = parsed.data;
    const needed = FRAME_SCOPES[frame.type];
    if (!hasScope(attachment.scopes, needed)) {
      return this.#reply(ws, "forbidden", `This connection's credential lacks the '${needed}' scope`, [
        { field: "type", message: `'${frame.type}' needs ${needed}` },
      ]);
    }
    switch (frame.type) {
      case "resume":
        return this.#resume(ws, attachment, frame.after);
      case "message":
        if (!attachment.live) this.#setLive(ws, attachment);
        return this.#startTurn(ws, attachment, frame);
      case "cancel":
        if (!this.#turn) return this.#reply(ws, "conflict", "No turn is running");
        this.#turn.controller.abort();
        return;
      case "feedback":
        return this.#saveFeedback(ws, attachment, frame);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // 1005/1006/1015 are not codes a peer may send back; close quietly with a normal code instead.
    const echo = code === 1005 || code === 1006 || code === 1015 ? 1000 : code;
    try {
      ws.close(echo, reason);
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(): Promise<void> {
    // The runtime closes the socket; a reconnecting client resumes from its last seq.
  }

  /**
   * One alarm over the object's due work: the access check while sockets are open, and the watchdog, which closes a
   * turn stored as running with no live loop (it was cut off by a restart).
   */
  override async alarm(): Promise<void> {
    if (this.ctx.getWebSockets().length > 0) await this.#checkAccess();
    await this.#watchdog();
    await this.#armAlarm();
  }

  async #watchdog(): Promise<void> {
    const active = this.#state.activeTurn;
    if (!active || this.#turn) return;
    const error = { code: "internal", message: "The turn was interrupted when its host restarted; send it again" };
    const handle = openDb(this.env);
    try {
      // Before the rows are marked failed: the trace is rebuilt from the tree as it was left.
      await closeInterruptedTrace(this.env, handle.db, {
        tenantId: active.tenantId,
        rootRunId: active.runId,
        conversationId: this.#state.owner?.sessionId,
        message: error.message,
      });
      await finishTurn(handle.db, active.tenantId, active.turnId, {
        status: "failed",
        answer: null,
        usage: { llmCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 },
        error,
      });
      await repos.runs.update(handle.db, active.tenantId, active.runId, {
        status: "failed",
        error,
        endReason: "internal",
        completedAt: new Date(),
      });
    } finally {
      await handle.close();
    }
    this.#state.activeTurn = null;
    await releaseRun(this.env, active.tenantId, active.turnId);
    this.#emit({ kind: "error", runId: active.runId, data: { ...error, terminal: true } }, active.turnId);
  }

  /** The next due time of {@link alarm}'s work, or none. */
  async #armAlarm(): Promise<void> {
    const now = Date.now();
    const due: number[] = [];
    if (this.#state.activeTurn) due.push(now + WATCHDOG_MS);
    if (this.ctx.getWebSockets().length > 0) due.push(now + ACCESS_CHECK_MS);
    if (due.length === 0) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.min(...due));
  }

  /**
   * Checks the credential behind each open socket (once per credential) and closes the sockets of any that no longer
   * holds; the rest get their credential's current scopes (a member's role may have been lowered).
   */
  async #checkAccess(only?: WebSocket): Promise<boolean> {
    const handle = openDb(this.env);
    const decide = socketAccess((tenantId, credential) => checkAccess(handle.db, tenantId, credential));
    let allowed = true;
    try {
      for (const ws of only ? [only] : this.ctx.getWebSockets()) {
        const attachment = ws.deserializeAttachment() as Attachment | null;
        if (!attachment) continue;
        const decision = await decide(attachment);
        if (decision.keep) {
          if (decision.scopes.length !== attachment.scopes.length) {
            ws.serializeAttachment({ ...attachment, scopes: decision.scopes });
          }
          continue;
        }
        allowed = false;
        this.#reply(ws, decision.code, decision.message);
        try {
          ws.close(decision.closeCode, decision.message.slice(0, 120));
        } catch {
          // Already closing.
        }
      }
    } finally {
      await handle.close();
    }
    return allowed;
  }

  /** Frames after `after`, for the REST events endpoint. */
  events(after: number, limit: number): EventPage {
    const frames = this.#log.after(after, limit);
    const lastSeq = frames.at(-1)?.frame.seq ?? after;
    return { events: frames.map((f) => f.frame), lastSeq, hasMore: lastSeq < this.#log.lastSeq };
  }

  /** Stops the running turn, if any; resolves once it has ended. */
  async #cancelTurn(): Promise<void> {
    const turn = this.#turn;
    if (!turn) return;
    turn.controller.abort();
    await turn.done;
  }

  /**
   * Winds the session down for archiving: stops the running turn, then deletes the session's sandbox, which would
   * otherwise sit stopped (and billed for storage) until the provider's auto-delete.
   */
  async archive(): Promise<void> {
    await this.#cancelTurn();
    const owner = this.#state.owner;
    if (!owner) return;
    // Archiving never fails on the sandbox: the provider's auto-delete is the backstop, and the log says why.
    const released = await this.#sessionRepl(owner, (event) => this.#emit(event))
      .release()
      .catch((err: unknown) => {
        this.#emit(warningFrame(err, "The session's sandbox could not be deleted (it expires on its own)"));
        return null;
      });
    if (released?.status === "deleted") {
      this.#emit({
        kind: "sandbox",
        data: { event: "deleted", sandboxId: released.sandboxId, reason: "the session was archived" },
      });
    }
  }

  #setLive(ws: WebSocket, attachment: Attachment): void {
    attachment.live = true;
    ws.serializeAttachment(attachment);
  }

  #resume(ws: WebSocket, attachment: Attachment, after: number): void {
    // Synchronous from read to send: no frame can be emitted in between, so the client sees each seq exactly once.
    let cursor = after;
    for (;;) {
      const batch = this.#log.after(cursor, REPLAY_LIMIT);
      for (const { text } of batch) ws.send(text);
      const last = batch.at(-1);
      if (!last || batch.length < REPLAY_LIMIT) break;
      cursor = last.frame.seq ?? cursor;
    }
    if (!attachment.live) this.#setLive(ws, attachment);
  }

  async #startTurn(ws: WebSocket, attachment: Attachment, frame: MessageFrame): Promise<void> {
    if (this.#turn) {
      return this.#reply(ws, "turn_in_progress", "A turn is already running; wait for it or cancel it");
    }
    const owner = this.#state.owner;
    if (!owner) return this.#reply(ws, "internal", "The session has no owner");
    // Claimed before the first await: the object's input gate does not hold across network I/O.
    const controller = new AbortController();
    let finished: () => void = () => {};
    const running: RunningTurn = { turnId: null, controller, done: new Promise((resolve) => (finished = resolve)) };
    this.#turn = running;
    let released = false;
    const releaseSlot = async (): Promise<void> => {
      if (!running.turnId || released) return;
      released = true;
      await releaseRun(this.env, attachment.tenantId, running.turnId);
    };
    try {
      // Spending needs a credential that holds now, not only when the socket opened.
      if (!(await this.#checkAccess(ws))) return;
      const accepted = await acceptTurn(this.env, attachment.tenantId, frame).catch((err: unknown) => {
        if (!isAppError(err)) throw err;
        const issues = (err.details as { issues?: unknown } | undefined)?.issues;
        this.#reply(ws, err.code, err.message, Array.isArray(issues) ? issues : undefined);
        return null;
      });
      if (!accepted) return;
      running.turnId = accepted.turnId;
      if (controller.signal.aborted) return;
      this.#state.activeTurn = {
        turnId: accepted.turnId,
        runId: accepted.runId,
        tenantId: attachment.tenantId,
        startedAt: Date.now(),
      };
      await this.#armAlarm();
      const emit = (event: NewFrame) => this.#emit(event, accepted.turnId);
      emit({
        kind: "turn_started",
        runId: accepted.runId,
        depth: 0,
        data: {
          text: frame.text,
          mode: frame.mode,
          documents: accepted.documents.map((d) => ({ id: d.id, name: d.name })),
          userId: attachment.userId,
        },
      });
      const repl = this.#sessionRepl(owner, (event) => emit({ runId: accepted.runId, depth: 0, ...event }));
      const end = await runTurn(accepted, {
        env: this.env,
        tenantId: attachment.tenantId,
        sessionId: owner.sessionId,
        emit,
        memory: { read: () => loadMemory(this.#state.memory), write: (m) => (this.#state.memory = m) },
        repl,
        signal: controller.signal,
      });
      // Before the turn ends, so the next one never finds the REPL busy saving; a failure costs the save, not the turn.
      await repl.checkpoint().catch((err: unknown) =>
        emit({
          ...warningFrame(err, "The session's variables could not be saved for later sandboxes"),
          runId: accepted.runId,
          depth: 0,
        }),
      );
      // The slot goes back before the end is announced: a client that sends its next message at once is admitted.
      await releaseSlot();
      emit(terminalFrame(end, accepted.runId));
      this.#state.activeTurn = null;
    } finally {
      // Synchronous up to here, so no message can slip in between the end frame and the object being free again.
      this.#turn = null;
      finished();
      void releaseSlot();
    }
  }

  /** The session's REPL, created once per object; its events go to the turn that is running when they happen. */
  #sessionRepl(owner: { tenantId: string; sessionId: string }, emit: (event: NewFrame) => void) {
    this.#replEmit = emit;
    this.#repl ??= sessionSandbox({
      provider: tenantSandboxProvider(this.env, owner.tenantId),
      labels: { tenant: owner.tenantId, session: owner.sessionId },
      load: () => this.#state.sandbox,
      save: (sandbox) => (this.#state.sandbox = sandbox),
      variables: sessionVariables(this.env.DOCUMENTS, owner),
      emit: (event) => this.#replEmit(event),
    });
    return this.#repl;
  }

  async #saveFeedback(ws: WebSocket, attachment: Attachment, frame: Extract<ClientFrame, { type: "feedback" }>) {
    const handle = openDb(this.env);
    try {
      const run = await repos.runs.get(handle.db, attachment.tenantId, frame.runId);
      if (!run || run.sessionId !== this.#state.owner?.sessionId) {
        return this.#reply(ws, "not_found", "No run with that id in this session", [
          { field: "runId", message: "unknown run" },
        ]);
      }
      const saved = await repos.feedback.insert(handle.db, attachment.tenantId, {
        runId: frame.runId,
        userId: attachment.userId,
        score: frame.score,
        comment: frame.comment ?? null,
        expectedAnswer: frame.expectedAnswer ?? null,
      });
      this.#emit({ kind: "feedback_saved", runId: frame.runId, data: { feedbackId: saved.id, score: frame.score } });
    } finally {
      await handle.close();
    }
  }

  /** Appends a frame to the log, then sends it to every live socket. */
  #emit(event: NewFrame, turnId?: string): void {
    const { text } = this.#log.append(turnId ? { ...event, turnId } : event);
    for (const socket of this.ctx.getWebSockets()) {
      const attachment = socket.deserializeAttachment() as Attachment | null;
      if (!attachment?.live) continue;
      try {
        socket.send(text);
      } catch {
        // A socket closing right now; its client resumes from its last seq.
      }
    }
  }

  /** A reply to one socket only, outside the session's history (`seq: null`). */
  #reply(ws: WebSocket, code: string, message: string, issues?: unknown[]): void {
    const frame = { seq: null, ts: Date.now(), kind: "error", data: { code, message, ...(issues ? { issues } : {}) } };
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // The socket is gone; nothing to tell.
    }
  }
}

/** A `warning` frame for a failure the session works around: what failed, then why. */
function warningFrame(err: unknown, what: string): NewFrame {
  const { code, message } = isAppError(err) ? err : { code: "internal", message: String(err) };
  return { kind: "warning", data: { code, message: `${what}: ${message}` } };
}

function terminalFrame(end: TurnEnd, runId: string): NewFrame {
  switch (end.status) {
    case "completed":
      return { kind: "turn_completed", runId, depth: 0, data: { answer: end.answer, forced: end.forced } };
    case "cancelled":
      return { kind: "cancelled", runId, depth: 0, data: {} };
    case "failed":
      return { kind: "error", runId, depth: 0, data: { ...end.error, terminal: true } };
  }
}
