import { DurableObject } from "cloudflare:workers";

/**
 * One headless task (API or webhook) and its outbound deliveries. The task runner lands with issue #8; the class
 * exists so its binding and SQLite storage are provisioned from the first deploy.
 */
export class TaskDO extends DurableObject<Env> {}
