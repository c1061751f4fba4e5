/**
 * Creating a task, for the API and for inbound webhooks alike: validates what the request refers to, honours an
 * `Idempotency-Key`, enforces quotas, stores an inline context in R2, records the task and starts its object.
 */
import { and, eq } from "drizzle-orm";
import { sha256Hex } from "../auth/api-key-format";
import type { Principal } from "../auth/principal";
import type { CreateTaskRequest } from "../contracts/tasks";
import type { Db } from "../db/client";
import { tasks } from "../db/schema";
import { documentStore } from "../documents/store";
import { getTaskStub } from "../durable/task-stub";
import { AppError } from "../errors";
import { checkTaskQuota } from "../quotas";
import { resolveRunLlm } from "../rlm/launch";
import { checkOutboundUrl } from "../webhooks";
import type { TaskLaunch } from "./run-task";
import type { TaskRow } from "./task-row";

export interface TaskOrigin {
  source: "api" | "webhook";
  endpointId?: string;
  idempotencyKey?: string;
}

function invalid(field: string, message: string): AppError {
  return new AppError("validation_failed", message, { details: { issues: [{ field, message }] } });
}

async function findByKey(db: Db, tenantId: string, key: string): Promise<TaskRow | null> {
  const [row] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.idempotencyKey, key)))
    .limit(1);
  return row ?? null;
}

/** The existing task for a repeated key, or a 409 when the key was used for a different request. */
function replayOf(row: TaskRow, requestHash: string): { task: TaskRow; replayed: true } {
  if (row.requestHash !== requestHash) {
    throw new AppError("conflict", "This Idempotency-Key was already used with a different request", {
      details: { taskId: row.id },
    });
  }
  return { task: row, replayed: true };
}

export async function createTask(
  deps: { env: Env; db: Db; principal: Pick<Principal, "tenantId" | "plan"> },
  input: CreateTaskRequest,
  origin: TaskOrigin,
  fieldPrefix = "json",
): Promise<{ task: TaskRow; replayed: boolean }> {
  const { env, db } = deps;
  const { tenantId } = deps.principal;
  const requestHash = await sha256Hex(JSON.stringify(input));
  if (origin.idempotencyKey) {
    const existing = await findByKey(db, tenantId, origin.idempotencyKey);
    if (existing) return replayOf(existing, requestHash);
  }
  if (input.callbackUrl) {
    const check = checkOutboundUrl(input.callbackUrl, { allowPrivate: env.ENVIRONMENT === "development" });
    if (!check.ok) throw invalid(`${fieldPrefix}.callbackUrl`, `The callback URL is not allowed (${check.reason})`);
  }
  await resolveRunLlm(env, db, tenantId, input.models);
  if (input.documents?.length) {
    const found = await documentStore({ db: () => db, bucket: env.DOCUMENTS, tenantId }).find(input.documents);
    const ready = new Set(found.map((d) => d.id));
    const missing = input.documents.findIndex((id) => !ready.has(id));
    if (missing !== -1) throw invalid(`${fieldPrefix}.documents.${missing}`, "unknown or not ready document");
  }
  await checkTaskQuota(db, deps.principal);

  const taskId = crypto.randomUUID();
  const runId = crypto.randomUUID();
  let context: TaskLaunch["context"] = { kind: "none" };
  if (input.context !== undefined) {
    const isText = typeof input.context === "string";
    const key = `contexts/${tenantId}/${taskId}`;
    await env.DOCUMENTS.put(key, isText ? (input.context as string) : JSON.stringify(input.context));
    context = { kind: "stored", key, format: isText ? "text" : "json" };
  } else if (input.documents?.length) {
    context = { kind: "documents", ids: input.documents };
  }
  const [row] = await db
    .insert(tasks)
    .values({
      id: taskId,
      tenantId,
      mode: input.mode,
      query: input.query,
      request: {
        documents: input.documents ?? [],
        budget: input.budget,
        models: input.models,
        maxIterations: input.maxIterations,
        maxDepth: input.maxDepth,
        subCallConcurrency: input.subCallConcurrency,
      },
      contextKey: context.kind === "stored" ? context.key : null,
      contextFormat: context.kind === "stored" ? context.format : null,
      idempotencyKey: origin.idempotencyKey ?? null,
      requestHash,
      callbackUrl: input.callbackUrl ?? null,
      source: origin.source,
      sourceEndpointId: origin.endpointId ?? null,
      runId,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) {
    // Two requests with the same key raced; the other one won.
    const winner = origin.idempotencyKey ? await findByKey(db, tenantId, origin.idempotencyKey) : null;
    if (!winner) throw new AppError("internal", "The task could not be recorded");
    return replayOf(winner, requestHash);
  }
  const launch: TaskLaunch = {
    taskId,
    tenantId,
    runId,
    mode: input.mode,
    query: input.query,
    context,
    budget: input.budget,
    models: input.models,
    maxIterations: input.maxIterations,
    maxDepth: input.maxDepth,
    subCallConcurrency: input.subCallConcurrency,
  };
  await getTaskStub(env, taskId).start(launch);
  return { task: row, replayed: false };
}
