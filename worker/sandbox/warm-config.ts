/** The warm pool's settings from the environment, and how its sandboxes are labelled. */
import { type PoolSettings, WARM_MAX_AGE_MS } from "./warm-pool";

/** Labels of a sandbox waiting in the pool; a run relabels the one it takes with its tenant and run. */
export const WARM_POOL_LABELS = { tenant: "_warm-pool", pool: "warm" } as const;

/** The most ready sandboxes a deployment may keep: each holds a vCPU of the organisation's quota while it waits. */
export const MAX_WARM_POOL = 32;

/** `SANDBOX_WARM_POOL` read as a size (invalid or unset: 0, off), capped at {@link MAX_WARM_POOL}. */
export function poolSettings(env: Pick<Env, "SANDBOX_WARM_POOL">): PoolSettings {
  const size = Number(env.SANDBOX_WARM_POOL ?? 0);
  const target = Number.isInteger(size) && size > 0 ? Math.min(size, MAX_WARM_POOL) : 0;
  return { target, maxAgeMs: WARM_MAX_AGE_MS };
}
