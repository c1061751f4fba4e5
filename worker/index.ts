/** The Worker entry: the Hono app plus the Durable Object classes wrangler binds by name. */
import { createApp } from "./app";

export { BudgetDO } from "./durable/budget-do";
export { SessionDO } from "./durable/session-do";
export { TaskDO } from "./durable/task-do";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
