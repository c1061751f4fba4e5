/**
 * The session's own sandbox for `execute_code`: created on first use, reused across turns (its variables persist),
 * left to the provider to stop when idle, and re-created transparently when it was deleted or its REPL died.
 * Archiving the session releases it at once. After each turn that ran code, the variables that pickle are saved
 * outside the sandbox (`checkpoint`), and a re-created REPL gets them back; the trace names any it could not keep.
 */
import type { Emit } from "../agent/tool";
import type { SessionRepl } from "../agent/tools/code";
import type { ExecDone } from "../contracts/repl";
import { AppError, isAppError } from "../errors";
import { HostCallFailure, ReplSession, type SandboxProvider } from "../sandbox";
import type { SessionSandbox } from "./session-state";

/**
 * Retention, chosen for Daytona's disk quota (a stopped sandbox still counts its disk; Tier 1 has 30 GiB, about 10
 * sandboxes): idle 15 minutes → stopped (a user reading an answer finds it warm); stopped an hour → archived (its
 * disk leaves the quota; a restart is slower but the variables are in R2 anyway); a day after its last activity →
 * deleted, and the session's next `execute_code` gets a fresh sandbox with the saved variables.
 */
const AUTO_STOP_MINUTES = 15;
const AUTO_ARCHIVE_MINUTES = 60;
const AUTO_DELETE_MINUTES = 24 * 60;

/** Where a session's saved variables live between sandboxes (R2 in the Worker). */
export interface VariableStore {
  load(): Promise<Uint8Array<ArrayBuffer> | null>;
  save(data: Uint8Array<ArrayBuffer>): Promise<void>;
}

/** A session's saved variables in R2, beside its tenant's documents. */
export function sessionVariables(bucket: R2Bucket, owner: { tenantId: string; sessionId: string }): VariableStore {
  const key = `sessions/${owner.tenantId}/${owner.sessionId}/variables.pickle`;
  return {
    async load() {
      const object = await bucket.get(key);
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    },
    async save(data) {
      await bucket.put(key, data, { httpMetadata: { contentType: "application/octet-stream" } });
    },
  };
}

export interface SessionSandboxDeps {
  provider: SandboxProvider;
  labels: { tenant: string; session: string };
  load(): SessionSandbox | null;
  save(sandbox: SessionSandbox | null): void;
  variables: VariableStore;
  emit: Emit;
}

/** The reason a session's first sandbox is created. */
const FIRST_USE = "first use";

/** What happened to the sandbox on release. */
export type Released = { status: "none" } | { status: "deleted"; sandboxId: string };

/** A lazily opened REPL, shared by every `execute_code` of the object's lifetime. */
export function sessionSandbox(
  deps: SessionSandboxDeps,
): Required<SessionRepl> & { checkpoint(): Promise<void>; release(): Promise<Released> } {
  let current: Promise<ReplSession> | null = null;
  /** Code ran since the last checkpoint: the saved variables may be stale. */
  let dirty = false;
  /** What the model has yet to hear about a new REPL (see `takeNotice`). */
  let notice: string | null = null;
  /** Whether the last open had to bring the sandbox back (recovered, started, or replaced by a new one). */
  let revived = false;

  /**
   * Gives a fresh REPL the variables saved from the last one, says in the trace what came back, and leaves a notice
   * for the model. `fresh` is a first sandbox, which only needs a notice when there was something to restore.
   */
  const restore = async (repl: ReplSession, sandboxId: string, why: string, fresh: boolean): Promise<void> => {
    const saved = await deps.variables.load();
    if (!saved) {
      if (!fresh) notice = `This is a new Python process (${why}): earlier variables are gone.`;
      return;
    }
    const { restored, skipped } = await repl.restore(saved);
    deps.emit({ kind: "sandbox", data: { event: "restored", sandboxId, variables: restored, skipped } });
    // A session's first sandbox with saved variables follows one that was archived away or expired.
    const reason = fresh ? "the earlier sandbox is gone" : why;
    const back = restored.length > 0 ? `variables restored from the last turn: ${restored.join(", ")}` : "";
    const lost = skipped.length > 0 ? `not restored: ${skipped.map((v) => `${v.name} (${v.reason})`).join("; ")}` : "";
    notice = `This is a new Python process (${reason}); ${[back, lost].filter(Boolean).join("; ") || "no variables were saved"}. Objects that could not be saved (functions, classes, open files) must be defined again.`;
  };

  const create = async (reason: string): Promise<ReplSession> => {
    const sandbox = await deps.provider.create({
      labels: { ...deps.labels },
      autoStopMinutes: AUTO_STOP_MINUTES,
      autoArchiveMinutes: AUTO_ARCHIVE_MINUTES,
      autoDeleteMinutes: AUTO_DELETE_MINUTES,
    });
    const repl = await ReplSession.start(sandbox);
    deps.save({ sandboxId: sandbox.id, secret: repl.credentials });
    deps.emit({ kind: "sandbox", data: { event: "created", sandboxId: sandbox.id, reason } });
    await restore(repl, sandbox.id, reason, reason === FIRST_USE);
    return repl;
  };

  const reattach = async (): Promise<ReplSession> => {
    revived = true;
    const stored = deps.load();
    if (!stored) return create(FIRST_USE);
    let sandbox: Awaited<ReturnType<SandboxProvider["get"]>>;
    try {
      sandbox = await deps.provider.get(stored.sandboxId);
    } catch (err) {
      if (isAppError(err) && err.code === "not_found") return create("the previous sandbox was deleted");
      throw err;
    }
    revived = sandbox.revived === true;
    const attached = await ReplSession.attach(sandbox, stored.secret);
    if (
      await attached.health().then(
        () => true,
        () => false,
      )
    )
      return attached;
    // A stopped sandbox loses its processes: start a fresh REPL in it and give it the saved variables.
    const repl = await ReplSession.start(sandbox);
    deps.save({ sandboxId: sandbox.id, secret: repl.credentials });
    deps.emit({ kind: "sandbox", data: { event: "restarted", sandboxId: sandbox.id, reason: "the REPL had stopped" } });
    await restore(repl, sandbox.id, "the sandbox had stopped", false);
    return repl;
  };

  const open = (): Promise<ReplSession> => {
    current ??= reattach().catch((err) => {
      current = null;
      throw err;
    });
    return current;
  };

  return {
    async exec(code, options): Promise<ExecDone> {
      const reused = current !== null;
      const run = async (repl: ReplSession) => {
        dirty = true;
        return repl.exec(code, {
          timeoutMs: options.timeoutMs,
          signal: options.signal,
          onCallback: async (call) => {
            throw new HostCallFailure(
              "unsupported",
              `${call.fn} is available inside RLM runs only: use the delegate_to_rlm tool for sub-model calls`,
            );
          },
        });
      };
      try {
        return await run(await open());
      } catch (err) {
        if (!isSandboxLoss(err)) throw asSandboxError(err);
        // The sandbox vanished under us (deleted, crashed, in `error`): open again — recover, restart or replace it.
        current = null;
        if (!reused || options.signal?.aborted) throw asSandboxError(err);
        const again = await open().catch(() => {
          throw asSandboxError(err);
        });
        // Only a sandbox that had stopped running between calls is retried: the code never reached a live REPL. A
        // REPL that died in a running sandbox (the OOM killer) may have died of this code; the error stands.
        if (!revived) throw asSandboxError(err);
        try {
          return await run(again);
        } catch (retryErr) {
          if (isSandboxLoss(retryErr)) current = null;
          throw asSandboxError(retryErr);
        }
      }
    },
    takeNotice() {
      const taken = notice;
      notice = null;
      return taken;
    },
    /**
     * Saves the variables that pickle, when code ran since the last save. Called between turns, when no exec runs;
     * what could not be kept is named in the trace.
     */
    async checkpoint(): Promise<void> {
      if (!dirty || !current) return;
      dirty = false;
      const repl = await current;
      const { data, saved, skipped } = await repl.snapshot();
      await deps.variables.save(data);
      if (skipped.length > 0) deps.emit({ kind: "sandbox", data: { event: "saved", variables: saved, skipped } });
    },
    /** Deletes the stored sandbox and forgets it; the next exec makes a new one. */
    async release(): Promise<Released> {
      current = null;
      const stored = deps.load();
      if (!stored) return { status: "none" };
      await deps.provider.remove(stored.sandboxId);
      deps.save(null);
      return { status: "deleted", sandboxId: stored.sandboxId };
    },
  };
}

function isSandboxLoss(err: unknown): boolean {
  return isAppError(err) && (err.code === "not_found" || err.code === "sandbox_failed");
}

function asSandboxError(err: unknown): AppError {
  return err instanceof AppError ? err : new AppError("sandbox_failed", "The session sandbox failed", { cause: err });
}
