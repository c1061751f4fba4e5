import { DurableObject } from "cloudflare:workers";
import type { Sql } from "../budget";
import { type Admission, AdmissionLedger, type AdmissionRequest } from "../quotas/admission";

/**
 * One per tenant: the tenant's run slots. Every way to start model work takes a slot here before it spends anything,
 * and gives it back when the run ends, fails or is cancelled; the ledger itself is `worker/quotas/admission.ts`.
 */
export class TenantDO extends DurableObject<Env> {
  #slots!: AdmissionLedger;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const { sql } = ctx.storage;
      const tag: Sql = (strings, ...values) => sql.exec(strings.join("?"), ...values).toArray();
      this.#slots = AdmissionLedger.open(tag);
    });
  }

  /** Takes a run slot, or refuses when the tenant has its plan's number of runs. */
  admit(request: AdmissionRequest): Admission {
    return this.#slots.admit(request);
  }

  /** Gives a run's slot back; false when it held none. */
  release(holder: string): boolean {
    return this.#slots.release(holder);
  }

  /** Slots held now. */
  running(): number {
    return this.#slots.running();
  }
}
