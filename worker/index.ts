/** The Worker entry: the Hono app plus the Durable Object classes wrangler binds by name. */
import openapiYaml from "../openapi.yaml";
import { createApp } from "./app";
import { openDb } from "./db/client";
import { sweepStaleUploads } from "./documents/sweep";
import { getSandboxPoolStub } from "./durable/sandbox-pool-stub";
import { poolSettings } from "./sandbox/warm-config";
import { sweepOrphanContexts } from "./tasks/orphan-contexts";

export { BudgetDO } from "./durable/budget-do";
export { LlmRelayDO } from "./durable/llm-relay-do";
export { SandboxPoolDO } from "./durable/sandbox-pool-do";
export { SessionDO } from "./durable/session-do";
export { TaskDO } from "./durable/task-do";
export { TenantDO } from "./durable/tenant-do";

const app = createApp();
// Served from the bundle here rather than in `createApp`, which Node tools (the OpenAPI generator) also load.
app.get("/openapi.yaml", (c) => c.body(openapiYaml, 200, { "content-type": "application/yaml; charset=utf-8" }));

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  /**
   * The maintenance cron (`[triggers]` in wrangler.toml): removes uploads whose request died mid-way, and inline
   * contexts whose task or run was never recorded; and wakes the warm pool, so it is full before the first run asks.
   */
  async scheduled(_controller, env) {
    if (poolSettings(env).target > 0) await getSandboxPoolStub(env).fill();
    const handle = openDb(env);
    try {
      const removed = await sweepStaleUploads(handle.db, env.DOCUMENTS);
      if (removed > 0) console.log(JSON.stringify({ level: "info", job: "sweep-uploads", removed }));
      const orphans = await sweepOrphanContexts(handle.db, env.DOCUMENTS);
      if (orphans > 0) console.log(JSON.stringify({ level: "info", job: "sweep-contexts", removed: orphans }));
    } finally {
      await handle.close();
    }
  },
} satisfies ExportedHandler<Env>;
