/** The Worker entry: the Hono app plus the Durable Object classes wrangler binds by name. */
import openapiYaml from "../openapi.yaml";
import { createApp } from "./app";

export { BudgetDO } from "./durable/budget-do";
export { LlmRelayDO } from "./durable/llm-relay-do";
export { SessionDO } from "./durable/session-do";
export { TaskDO } from "./durable/task-do";

const app = createApp();
// Served from the bundle here rather than in `createApp`, which Node tools (the OpenAPI generator) also load.
app.get("/openapi.yaml", (c) => c.body(openapiYaml, 200, { "content-type": "application/yaml; charset=utf-8" }));

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
