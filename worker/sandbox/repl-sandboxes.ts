/** Opens sandboxes that come with a running REPL, for runs that need one each (RLM runs and their children). */
import { isAppError } from "../errors";
import type { SandboxProvider, SandboxSpec } from "./provider";
import { ReplSession } from "./repl-session";

export interface ReplSandbox {
  repl: ReplSession;
  dispose(): Promise<void>;
  /** What a checkpoint keeps to re-attach after a restart (the secret stays in host storage). */
  saved: { sandboxId: string; secret: string };
}

/**
 * A factory of REPL sandboxes labelled with the tenant and run, so a leaked one can always be found and deleted.
 * Run sandboxes are short-lived: stopped after 15 idle minutes and deleted as soon as they stop.
 */
export function replSandboxes(provider: SandboxProvider, base: Pick<SandboxSpec, "labels" | "resources" | "snapshot">) {
  return {
    async open(labels: { run: string; depth: number }): Promise<ReplSandbox> {
      const sandbox = await provider.create({
        ...base,
        labels: { ...base.labels, run: labels.run, depth: String(labels.depth) },
        autoStopMinutes: 15,
        autoDeleteMinutes: 0,
      });
      try {
        const repl = await ReplSession.start(sandbox);
        return { repl, dispose: () => sandbox.delete(), saved: { sandboxId: sandbox.id, secret: repl.credentials } };
      } catch (err) {
        await sandbox.delete().catch(() => {});
        throw err;
      }
    },

    /**
     * The sandbox a checkpoint names, when it still exists with its REPL alive (its namespace intact); null when it
     * is gone, or was stopped (its processes, the REPL's variables included, did not survive: it is deleted).
     */
    async reopen(saved: { sandboxId: string; secret: string }): Promise<ReplSandbox | null> {
      let sandbox: Awaited<ReturnType<SandboxProvider["get"]>>;
      try {
        sandbox = await provider.get(saved.sandboxId);
      } catch (err) {
        if (isAppError(err) && err.code === "not_found") return null;
        throw err;
      }
      const repl = await ReplSession.attach(sandbox, saved.secret);
      const alive =
        !sandbox.revived &&
        (await repl.health().then(
          () => true,
          () => false,
        ));
      if (!alive) {
        await sandbox.delete().catch(() => {});
        return null;
      }
      return { repl, dispose: () => sandbox.delete(), saved };
    },
  };
}
