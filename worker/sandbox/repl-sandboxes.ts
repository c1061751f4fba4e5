/** Opens sandboxes that come with a running REPL, for runs that need one each (RLM runs and their children). */
import { isAppError } from "../errors";
import type { SandboxProvider, SandboxSpec } from "./provider";
import { ReplSession } from "./repl-session";
import type { SandboxSlots, SlotWait } from "./slots";
import type { WarmSandbox } from "./warm-pool";

export interface ReplSandbox {
  repl: ReplSession;
  /** How the sandbox was had: `warm` from the pool, `cold` created for this run, `reopened` after a restart. */
  start: "warm" | "cold" | "reopened";
  dispose(): Promise<void>;
  /** What a checkpoint keeps to re-attach after a restart (the secret stays in host storage). */
  saved: SavedSandbox;
}

/** A run's sandbox as its checkpoint names it; `holder` is its admission slot, when admission is on. */
export interface SavedSandbox {
  sandboxId: string;
  secret: string;
  holder?: string;
}

/** Where ready sandboxes come from (the deployment's warm pool); `null` when it has none to give. */
export interface WarmSource {
  take(): Promise<WarmSandbox | null>;
}

export interface ReplSandboxOptions {
  warm?: WarmSource;
  /** Deployment-wide admission: a slot is held for as long as the sandbox is (`SANDBOX_CAPACITY`). */
  slots?: SandboxSlots;
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
    /** A sandbox with a running REPL; with admission on, it first waits its turn for a slot (`wait`). */
    async open(labels: { run: string; depth: number }, wait?: SlotWait): Promise<ReplSandbox> {
      const { slots } = options;
      const holder = `${labels.run}/${labels.depth}/${crypto.randomUUID()}`;
      await slots?.acquire(holder, wait);
      const giveBack = () => slots?.release(holder).catch(() => {});
      try {
        const opened = await openOne(labels);
        return {
          ...opened,
          saved: { ...opened.saved, holder: slots ? holder : undefined },
          async dispose() {
            try {
              await opened.dispose();
            } finally {
              await giveBack();
            }
          },
        };
      } catch (err) {
        await giveBack();
        throw err;
      }
    },

    /**
     * The sandbox a checkpoint names, when it still exists with its REPL alive (its namespace intact); null when it
     * is gone, or was stopped (its processes, the REPL's variables included, did not survive: it is deleted).
     */
    async reopen(saved: SavedSandbox): Promise<ReplSandbox | null> {
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
      const giveBack = () => (saved.holder ? options.slots?.release(saved.holder).catch(() => {}) : undefined);
      if (!alive) {
        await sandbox.delete().catch(() => {});
        await giveBack();
        return null;
      }
      return {
        repl,
        start: "reopened",
        saved,
        async dispose() {
          try {
            await sandbox.delete();
          } finally {
            await giveBack();
          }
        },
      };
    },
  };

  async function openOne(labels: { run: string; depth: number }): Promise<ReplSandbox> {
    const runLabels = { ...base.labels, run: labels.run, depth: String(labels.depth) };
    const warm = await fromPool(provider, options.warm, runLabels);
    if (warm) return warm;
    const sandbox = await provider.create({ ...base, labels: runLabels, autoStopMinutes: 15, autoDeleteMinutes: 0 });
    try {
      const repl = await ReplSession.start(sandbox, { preinstalled: options.preinstalled });
      return {
        repl,
        start: "cold",
        dispose: () => sandbox.delete(),
        saved: { sandboxId: sandbox.id, secret: repl.credentials },
      };
    } catch (err) {
      await sandbox.delete().catch(() => {});
      throw err;
    }
  }
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
    return {
      repl,
      start: "warm",
      dispose: () => sandbox.delete(),
      saved: { sandboxId: sandbox.id, secret: entry.secret },
    };
  } catch {
    await provider.remove(entry.id).catch(() => {});
    return undefined;
  }
}
