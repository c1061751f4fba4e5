/** Opens sandboxes that come with a running REPL, for runs that need one each (RLM runs and their children). */
import type { SandboxProvider, SandboxSpec } from "./provider";
import { ReplSession } from "./repl-session";
import type { WarmSandbox } from "./warm-pool";

export interface ReplSandbox {
  repl: ReplSession;
  /** How the sandbox was had: `warm` from the pool, `cold` created for this run. */
  start: "warm" | "cold";
  dispose(): Promise<void>;
}

/** Where ready sandboxes come from (the deployment's warm pool); `null` when it has none to give. */
export interface WarmSource {
  take(): Promise<WarmSandbox | null>;
}

export interface ReplSandboxOptions {
  warm?: WarmSource;
  /** The sandbox image may already hold the REPL server (`DAYTONA_SNAPSHOT`). */
  preinstalled?: boolean;
}

/**
 * A factory of REPL sandboxes labelled with the tenant and run, so a leaked one can always be found and deleted.
 * Run sandboxes are short-lived: stopped after 15 idle minutes and deleted as soon as they stop. With a warm source
 * a run first asks it for a started sandbox and relabels it; any trouble with that one falls back to creating.
 */
export function replSandboxes(
  provider: SandboxProvider,
  base: Pick<SandboxSpec, "labels" | "resources" | "snapshot">,
  options: ReplSandboxOptions = {},
) {
  return {
    async open(labels: { run: string; depth: number }): Promise<ReplSandbox> {
      const runLabels = { ...base.labels, run: labels.run, depth: String(labels.depth) };
      const warm = await fromPool(provider, options.warm, runLabels);
      if (warm) return warm;
      const sandbox = await provider.create({ ...base, labels: runLabels, autoStopMinutes: 15, autoDeleteMinutes: 0 });
      try {
        const repl = await ReplSession.start(sandbox, { preinstalled: options.preinstalled });
        return { repl, start: "cold", dispose: () => sandbox.delete() };
      } catch (err) {
        await sandbox.delete().catch(() => {});
        throw err;
      }
    },
  };
}

/** A pooled sandbox made this run's, or undefined when the pool had none that still answers. */
async function fromPool(
  provider: SandboxProvider,
  source: WarmSource | undefined,
  labels: SandboxSpec["labels"],
): Promise<ReplSandbox | undefined> {
  const entry = await source?.take().catch(() => null);
  if (!entry) return undefined;
  try {
    const sandbox = await provider.get(entry.id);
    if (sandbox.revived) {
      // It was stopped meanwhile, and its REPL with it: not worth restarting.
      await sandbox.delete().catch(() => {});
      return undefined;
    }
    await sandbox.setLabels(labels);
    const repl = await ReplSession.attach(sandbox, entry.secret);
    await repl.health();
    return { repl, start: "warm", dispose: () => sandbox.delete() };
  } catch {
    await provider.remove(entry.id).catch(() => {});
    return undefined;
  }
}
