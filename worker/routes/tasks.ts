/** Headless tasks: start (202, idempotent by `Idempotency-Key`), read, list, follow as SSE, cancel. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq } from "drizzle-orm";
import { requireAuth, requireScope } from "../auth/middleware";
import { errorResponses, IdParam } from "../contracts/common";
import { CreateTaskRequest, ListTasksQuery, Task, TaskAccepted, TaskPage } from "../contracts/tasks";
import { after, exactTime, toPage } from "../db/cursor";
import { repos } from "../db/repos";
import { tasks } from "../db/schema";
import { getTaskStub } from "../durable/task-stub";
import { AppError } from "../errors";
import { createTask } from "../tasks/create";
import { toTask } from "../tasks/task-row";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonBody, jsonResponse } from "./openapi";

function notFound(id: string): AppError {
  return new AppError("not_found", "Task not found", { details: { id } });
}

export const taskRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/tasks",
      operationId: "createTask",
      tags: ["tasks"],
      summary: "Start a task: an RLM run or an agent turn over inline context or documents",
      description:
        "Send `Idempotency-Key` to make retries safe: the same key and body return the same task; the same key with another body is a 409.",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:write")],
      request: {
        headers: z.object({ "idempotency-key": z.string().min(1).max(200).optional() }),
        body: jsonBody(CreateTaskRequest),
      },
      responses: {
        202: jsonResponse(TaskAccepted, "Started (or, with a repeated Idempotency-Key, the task it started)"),
        ...errorResponses(400, 401, 403, 409, 413, 429, 503),
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { "idempotency-key": idempotencyKey } = c.req.valid("header");
      const { task, replayed } = await createTask({ env: c.env, db: c.var.db, principal: c.var.principal }, input, {
        source: "api",
        idempotencyKey,
      });
      return c.json(
        {
          id: task.id,
          status: task.status,
          url: `/v1/tasks/${task.id}`,
          eventsUrl: `/v1/tasks/${task.id}/events`,
          replayed,
        },
        202,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks",
      operationId: "listTasks",
      tags: ["tasks"],
      summary: "List tasks, newest first, with filters",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:read")],
      request: { query: ListTasksQuery },
      responses: { 200: jsonResponse(TaskPage, "A page of tasks"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const { tenantId } = c.var.principal;
      const rows = await c.var.db
        .select({ row: tasks, at: exactTime(tasks.createdAt) })
        .from(tasks)
        .where(
          and(
            eq(tasks.tenantId, tenantId),
            q.status ? eq(tasks.status, q.status) : undefined,
            q.mode ? eq(tasks.mode, q.mode) : undefined,
            q.source ? eq(tasks.source, q.source) : undefined,
            after(tasks.createdAt, tasks.id, q.cursor),
          ),
        )
        .orderBy(desc(tasks.createdAt), desc(tasks.id))
        .limit(q.limit + 1);
      const page = toPage(rows, q.limit);
      return c.json({ tasks: page.rows.map(toTask), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks/{id}",
      operationId: "getTask",
      tags: ["tasks"],
      summary: "A task's status, answer, usage and error",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:read")],
      request: { params: IdParam },
      responses: { 200: jsonResponse(Task, "The task"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await repos.tasks.get(c.var.db, c.var.principal.tenantId, id);
      if (!row) throw notFound(id);
      return c.json(toTask(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks/{id}/events",
      operationId: "streamTaskEvents",
      tags: ["tasks"],
      summary: "Follow a task as Server-Sent Events; resume with `Last-Event-ID` (or `?after=`)",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:read")],
      request: {
        params: IdParam,
        query: z.object({ after: z.coerce.number().int().nonnegative().optional() }),
        headers: z.object({
          "last-event-id": z
            .string()
            .optional()
            .openapi({ description: "The last `id` received; the stream resumes after it (wins over `after`)" }),
        }),
      },
      responses: {
        200: {
          description:
            "`text/event-stream`: one event per frame, its `data` a `SessionEvent` (JSON), `id` its seq and `event` its kind; the stream ends when the task does",
          content: { "text/event-stream": { schema: z.string() } },
        },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await repos.tasks.get(c.var.db, c.var.principal.tenantId, id);
      if (!row) throw notFound(id);
      return getTaskStub(c.env, id).fetch(new Request(c.req.raw.url, { headers: c.req.raw.headers }));
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/tasks/{id}/cancel",
      operationId: "cancelTask",
      tags: ["tasks"],
      summary: "Cancel a running task; its runs stop and the budget is settled",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:write")],
      request: { params: IdParam },
      responses: { 200: jsonResponse(Task, "The task after cancellation"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      if (!(await repos.tasks.get(c.var.db, tenantId, id))) throw notFound(id);
      await getTaskStub(c.env, id).cancel();
      const row = await repos.tasks.get(c.var.db, tenantId, id);
      if (!row) throw notFound(id);
      return c.json(toTask(row), 200);
    },
  );
