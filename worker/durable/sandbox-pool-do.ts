import { DurableObject } from "cloudflare:workers";
import { isAppError } from "../errors";
import { daytonaProvider, daytonaSettings } from "../sandbox/daytona";
import { ReplSession } from "../sandbox/repl-session";
import { poolSettings, WARM_POOL_LABELS } from "../sandbox/warm-config";
import { planRefill, REFILL_BACKOFF_MS, takeOne, type WarmSandbox } from "../sandbox/warm-pool";

const READY_KEY = "ready";

export interface PoolStatus {
  target: number;
  ready: number;
  creating: number;
  /** Why the last refill could not create a sandbox, until one succeeds. */
  lastError?: string;
}

/**
 * One per deployment: started sandboxes with their REPL running, handed to RLM runs so a run does not wait for
 * create + upload + launch. A single alarm refills the pool, replaces sandboxes before Daytona would auto-stop them,
 * and backs off when Daytona refuses creates; the bookkeeping is `worker/sandbox/warm-pool.ts`.
 */
export class SandboxPoolDO extends DurableObject<Env> {
  #ready: WarmSandbox[] = [];
  #creating = 0;
  #lastError: string | undefined;
  /** No refill before this (ms since the epoch): set after Daytona refused a create. */
  #retryAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.#ready = (await ctx.storage.get<WarmSandbox[]>(READY_KEY)) ?? [];
    });
  }

  /** A ready sandbox for a run (it is the caller's from now on), or null when none is; a refill follows either way. */
  async take(): Promise<WarmSandbox | null> {
    const { taken, rest } = takeOne(this.#ready, Date.now(), poolSettings(this.env).maxAgeMs);
    if (taken) await this.#save(rest);
    await this.#refillSoon();
    return taken ?? null;
  }

  /** Starts filling the pool (the cron calls it, so a pool is ready before the first run asks). */
  async fill(): Promise<PoolStatus> {
    await this.#refillSoon();
    return this.status();
  }

  status(): PoolStatus {
    const { target } = poolSettings(this.env);
    return { target, ready: this.#ready.length, creating: this.#creating, lastError: this.#lastError };
  }

  override async alarm(): Promise<void> {
    const settings = poolSettings(this.env);
    const plan = planRefill(this.#ready, this.#creating, Date.now(), settings);
    if (plan.expired.length) {
      await this.#save(plan.keep);
      await Promise.allSettled(plan.expired.map((e) => this.#provider().remove(e.id)));
    }
    this.#creating += plan.create;
    const created = await Promise.allSettled(Array.from({ length: plan.create }, () => this.#startOne()));
    this.#creating -= plan.create;
    const fresh = created.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failure = created.find((r) => r.status === "rejected");
    this.#lastError = failure ? describe(failure.reason) : fresh.length ? undefined : this.#lastError;
    if (fresh.length) await this.#save([...this.#ready, ...fresh]);
    this.#retryAt = failure ? Date.now() + REFILL_BACKOFF_MS : 0;
    const next = failure ? this.#retryAt : planRefill(this.#ready, 0, Date.now(), settings).nextAt;
    if (next !== undefined) await this.ctx.storage.setAlarm(next);
  }

  async #startOne(): Promise<WarmSandbox> {
    const sandbox = await this.#provider().create({
      labels: { ...WARM_POOL_LABELS },
      snapshot: this.env.DAYTONA_SNAPSHOT || undefined,
      autoStopMinutes: 15,
      autoDeleteMinutes: 0,
    });
    try {
      const repl = await ReplSession.start(sandbox, { preinstalled: Boolean(this.env.DAYTONA_SNAPSHOT) });
      return { id: sandbox.id, secret: repl.credentials, readyAt: Date.now() };
    } catch (err) {
      await sandbox.delete().catch(() => {});
      throw err;
    }
  }

  #provider() {
    return daytonaProvider(daytonaSettings(this.env));
  }

  /** Brings the one alarm forward to now (or to the end of a back-off): a full pool's alarm waits for an expiry. */
  async #refillSoon(): Promise<void> {
    if (poolSettings(this.env).target === 0) return;
    const soon = Math.max(Date.now(), this.#retryAt);
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > soon) await this.ctx.storage.setAlarm(soon);
  }

  async #save(entries: WarmSandbox[]): Promise<void> {
    this.#ready = entries;
    await this.ctx.storage.put(READY_KEY, entries);
  }
}

function describe(err: unknown): string {
  return isAppError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}
