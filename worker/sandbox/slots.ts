/**
 * Deployment-wide sandbox admission as a run sees it: ask the admission object for a slot before getting a sandbox,
 * wait (asking again each second) while the fair queue says where it stands, give it back when done.
 */
import type { Admission } from "../capacity/fair-queue";
import { AppError } from "../errors";

/** `SANDBOX_CAPACITY`: sandboxes the Daytona organisation runs at once; undefined (unset or invalid) turns it off. */
export function admissionCapacity(env: Pick<Env, "SANDBOX_CAPACITY">): number | undefined {
  const n = Number(env.SANDBOX_CAPACITY);
  return env.SANDBOX_CAPACITY && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The admission object's surface (its stub). */
export interface AdmissionPort {
  acquire(request: { holder: string; tenant: string; leaseMs: number }): Promise<Admission>;
  release(holder: string): Promise<void>;
  cancel(holder: string): Promise<void>;
}

export interface SlotWait {
  signal?: AbortSignal;
  /** Called each time the place in the queue is known (1 = next). */
  onQueued?: (position: number) => void;
  /** How long a granted slot may be held before it is reclaimed, ms (default: an hour, a run's default limit). */
  leaseMs?: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What `replSandboxes` asks before it gets a sandbox. */
export interface SandboxSlots {
  acquire(holder: string, wait?: SlotWait): Promise<void>;
  release(holder: string): Promise<void>;
}

/** Slots of `tenant` through `port`: `acquire` resolves once granted, and throws `cancelled`-style errors on abort. */
export function sandboxSlots(port: AdmissionPort, tenant: string): SandboxSlots {
  return {
    async acquire(holder, wait = {}) {
      const sleep = wait.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
      const leaseMs = wait.leaseMs ?? 3_600_000;
      for (;;) {
        if (wait.signal?.aborted) {
          await port.cancel(holder);
          throw new AppError("timeout", "Stopped while waiting for a sandbox");
        }
        const admission = await port.acquire({ holder, tenant, leaseMs });
        if (admission.granted) return;
        wait.onQueued?.(admission.position);
        await sleep(wait.pollMs ?? 1_000);
      }
    },
    release: (holder) => port.release(holder),
  };
}
