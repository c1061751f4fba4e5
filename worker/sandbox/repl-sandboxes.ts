/** Opens sandboxes that come with a running REPL, for runs that need one each (RLM runs and their children). */
import type { SandboxProvider, SandboxSpec } from "./provider";
import { ReplSession } from "./repl-session";

export interface ReplSandbox {
  repl: ReplSession;
  dispose(): Promise<void>;
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
        return { repl, dispose: () => sandbox.delete() };
      } catch (err) {
        await sandbox.delete().catch(() => {});
        throw err;
      }
    },
  };
}
