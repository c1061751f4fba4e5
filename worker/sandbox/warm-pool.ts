/**
 * The warm pool's bookkeeping, pure: which ready sandboxes to hand out, which are too old to trust, how many to
 * create. The Durable Object around it (`worker/durable/sandbox-pool-do.ts`) does the I/O.
 */

/** A started sandbox with its REPL running, waiting for a run. */
export interface WarmSandbox {
  id: string;
  /** The REPL's secret, to attach to it. */
  secret: string;
  /** When its REPL first answered, ms since the epoch. */
  readyAt: number;
}

export interface PoolSettings {
  /** Ready sandboxes to keep; 0 turns the pool off. */
  target: number;
  /**
   * How long a ready sandbox is handed out, ms. Below the 15 idle minutes after which Daytona stops it (and then
   * deletes it, as run sandboxes are ephemeral), so a run never gets one that is about to go.
   */
  maxAgeMs: number;
}

/** Ten minutes: five short of the auto-stop the pool's sandboxes are created with. */
export const WARM_MAX_AGE_MS = 10 * 60_000;
/** The most sandboxes one refill creates at once, so a large pool does not hit Daytona's create rate limit. */
export const REFILL_BATCH = 4;
/** After a refill that could not create a sandbox (quota, rate limit), wait this long before trying again. */
export const REFILL_BACKOFF_MS = 60_000;

const isFresh = (entry: WarmSandbox, now: number, maxAgeMs: number) => now - entry.readyAt < maxAgeMs;

/** The oldest sandbox still fresh (handed out first, so none ages out unused), and the pool without it. */
export function takeOne(
  entries: readonly WarmSandbox[],
  now: number,
  maxAgeMs: number,
): { taken: WarmSandbox | undefined; rest: WarmSandbox[] } {
  const index = entries.findIndex((e) => isFresh(e, now, maxAgeMs));
  if (index < 0) return { taken: undefined, rest: [...entries] };
  return { taken: entries[index], rest: entries.filter((_, i) => i !== index) };
}

export interface RefillPlan {
  /** Too old to hand out: delete them. */
  expired: WarmSandbox[];
  keep: WarmSandbox[];
  /** Sandboxes to create now. */
  create: number;
  /** When to look again (ms since the epoch): the next expiry, or `undefined` when nothing is due. */
  nextAt: number | undefined;
}

/** What one refill does at `now` with `entries` ready and `creating` already under way. */
export function planRefill(
  entries: readonly WarmSandbox[],
  creating: number,
  now: number,
  { target, maxAgeMs }: PoolSettings,
): RefillPlan {
  const keep = entries.filter((e) => isFresh(e, now, maxAgeMs));
  const expired = entries.filter((e) => !isFresh(e, now, maxAgeMs));
  const missing = Math.max(0, target - keep.length - creating);
  const create = Math.min(missing, REFILL_BATCH);
  const expiries = keep.map((e) => e.readyAt + maxAgeMs);
  // More to create than one batch: come back at once for the rest.
  const nextAt = missing > create ? now : expiries.length ? Math.min(...expiries) : undefined;
  return { expired, keep, create, nextAt };
}
