/**
 * What to do with a Daytona sandbox in a given state before it can run code. Real Daytona has 22 states
 * (`apps/api/src/sandbox/enums/sandbox-state.enum.ts`); `start` answers 409 while a state change is in progress and
 * 400 in `error`/`build_failed` until `recover` (`services/sandbox.service.ts` start), and `GET` keeps returning a
 * `destroying` sandbox until it is `destroyed` (`findOneByIdOrName`). Pure, so each answer is tested on its own.
 */

/** The next step towards a started sandbox. */
export type LifecycleStep = "ready" | "start" | "wait" | "recover" | "gone";

/** States from which `start` succeeds (`paused` is the VM flavour of `stopped`). */
const STARTABLE = new Set(["stopped", "archived", "paused"]);
/** States that end in a new sandbox: this one is being, or has been, deleted. */
const GONE = new Set(["destroying", "destroyed"]);
/** States that need `recover()` first; a sandbox that cannot recover is replaced. */
const FAILED = new Set(["error", "build_failed"]);

/**
 * The step for `state`. Any state not named here (`creating`, `starting`, `stopping`, `archiving`, `restoring`,
 * `pulling_snapshot`, `pending_build`, `resizing`, …, and `unknown`) is a transition to wait out.
 */
export function lifecycleStep(state: string | undefined, recoverable = true): LifecycleStep {
  if (state === "started") return "ready";
  if (state !== undefined && STARTABLE.has(state)) return "start";
  if (state !== undefined && GONE.has(state)) return "gone";
  if (state !== undefined && FAILED.has(state)) return recoverable ? "recover" : "gone";
  return "wait";
}

/** True when a delete need not be retried: the sandbox is already on its way out. */
export function isBeingDeleted(state: string | undefined): boolean {
  return state !== undefined && GONE.has(state);
}

/**
 * How long a transition is waited out before giving up. Daytona's own create waits 30 s for `started`; archived
 * sandboxes restore from object storage and can take longer, so a minute and a half.
 */
export const TRANSITION_WAIT_MS = 90_000;

/** Poll delays while waiting: quick first (most transitions take a second or two), then every 2 s. */
export function pollDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 2_000);
}
