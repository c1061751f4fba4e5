/**
 * The session's own sandbox for `execute_code`: created on first use, reused across turns (its variables persist),
 * left to the provider to stop when idle, and re-created transparently — with a note in the trace that the old
 * variables are gone — when it was deleted or its REPL died. Archiving the session releases it at once.
 */
import type { Emit } from "../agent/tool";
import type { SessionRepl } from "../agent/tools/code";
import type { ExecDone } from "../contracts/repl";
import { AppError, isAppError } from "../errors";
import { HostCallFailure, ReplSession, type SandboxProvider } from "../sandbox";
import type { SessionSandbox } from "./session-state";

/** Idle minutes before the provider stops the session sandbox: a user reading an answer should find it warm. */
const AUTO_STOP_MINUTES = 15;
/** Stopped sandboxes are deleted after a day; the session then gets a fresh one on its next `execute_code`. */
const AUTO_DELETE_MINUTES = 24 * 60;

export interface SessionSandboxDeps {
  provider: SandboxProvider;
  labels: { tenant: string; session: string };
  load(): SessionSandbox | null;
  save(sandbox: SessionSandbox | null): void;
  emit: Emit;
}

/** What happened to the sandbox on release. */
export type Released = { status: "none" } | { status: "deleted"; sandboxId: string };

/** A lazily opened REPL, shared by every `execute_code` of the object's lifetime. */
export function sessionSandbox(deps: SessionSandboxDeps): SessionRepl & { release(): Promise<Released> } {
  let current: Promise<ReplSession> | null = null;

  const create = async (reason: string): Promise<ReplSession> => {
    const sandbox = await deps.provider.create({
      labels: { ...deps.labels },
      autoStopMinutes: AUTO_STOP_MINUTES,
      autoDeleteMinutes: AUTO_DELETE_MINUTES,
    });
    const repl = await ReplSession.start(sandbox);
    deps.save({ sandboxId: sandbox.id, secret: repl.credentials });
    deps.emit({ kind: "sandbox", data: { event: "created", sandboxId: sandbox.id, reason } });
    return repl;
  };

  const reattach = async (): Promise<ReplSession> => {
    const stored = deps.load();
    if (!stored) return create("first use");
    let sandbox: Awaited<ReturnType<SandboxProvider["get"]>>;
    try {
      sandbox = await deps.provider.get(stored.sandboxId);
    } catch (err) {
      if (isAppError(err) && err.code === "not_found") return create("the previous sandbox was deleted");
      throw err;
    }
    const attached = await ReplSession.attach(sandbox, stored.secret);
    if (
      await attached.health().then(
        () => true,
        () => false,
      )
    )
      return attached;
    // A stopped sandbox loses its processes: start a fresh REPL in it (variables are gone).
    const repl = await ReplSession.start(sandbox);
    deps.save({ sandboxId: sandbox.id, secret: repl.credentials });
    deps.emit({ kind: "sandbox", data: { event: "restarted", sandboxId: sandbox.id, reason: "the REPL had stopped" } });
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
      const repl = await open();
      try {
        return await repl.exec(code, {
          timeoutMs: options.timeoutMs,
          signal: options.signal,
          onCallback: async (call) => {
            throw new HostCallFailure(
              "unsupported",
              `${call.fn} is available inside RLM runs only: use the delegate_to_rlm tool for sub-model calls`,
            );
          },
        });
      } catch (err) {
        // The sandbox vanished under us (deleted, crashed): the next call starts a fresh one.
        if (isAppError(err) && (err.code === "not_found" || err.code === "sandbox_failed")) current = null;
        throw err instanceof AppError
          ? err
          : new AppError("sandbox_failed", "The session sandbox failed", { cause: err });
      }
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
