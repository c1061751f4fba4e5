import type { TaskDO } from "./task-do";

/**
 * The task object of `taskId` (for RLM runs, the run id). Kept apart from the class so that routes, and tools that
 * load the routes outside workerd, do not import `cloudflare:workers`.
 */
export function getTaskStub(env: Pick<Env, "TASKS">, taskId: string): DurableObjectStub<TaskDO> {
  return env.TASKS.get(env.TASKS.idFromName(taskId));
}
