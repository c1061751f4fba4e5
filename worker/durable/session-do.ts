import { DurableObject } from "cloudflare:workers";

/**
 * One chat session: its WebSockets, event log and running turn. The chat protocol lands with issue #6; until then
 * the class exists so its SQLite storage and binding are provisioned from the first deploy.
 */
export class SessionDO extends DurableObject<Env> {}
