import { DurableObject } from "cloudflare:workers";

/**
 * The budget of one root run, shared by its whole recursive tree. The reserve/settle/lease ledger lands with
 * issue #5; the class exists so its binding and SQLite storage are provisioned from the first deploy.
 */
export class BudgetDO extends DurableObject<Env> {}
