/**
 * Creating a task, for the API and for inbound webhooks alike: validates what the request refers to, honours an
 * `Idempotency-Key`, takes a run slot (quotas), records the task, stores an inline context in R2 and starts its
 * object. Whatever fails after admission gives the slot back, and only a recorded task stores a context, so a refused
 * or raced request leaves nothing behind (a crash in between is cleaned up by the orphaned-context sweep).
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
import { admitRun, releaseRun } from "../quotas";
import type { TaskLaunch } from "../runs";
import { DEFAULT_RUN_LIMITS, resolveRunLlm } from "../runs";
import { checkOutboundUrl, checkResolvedUrl, outboundResolver } from "../webhooks";
import { markTaskEnded, type TaskRow } from "./task-row";

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
    const options = { allowPrivate: env.ENVIRONMENT === "development" };
    const check = await checkResolvedUrl(checkOutboundUrl(input.callbackUrl, options), options, outboundResolver(env));
    if (!check.ok) throw invalid(`${fieldPrefix}.callbackUrl`, `The callback URL is not allowed (${check.reason})`);
  }
  await resolveRunLlm(env, db, tenantId, input.models);
  if (input.documents?.length) {
    const found = await documentStore({ db: () => db, bucket: env.DOCUMENTS, tenantId }).find(input.documents);
    const ready = new Set(found.map((d) => d.id));
    const missing = input.documents.findIndex((id) => !ready.has(id));
    if (missing !== -1) throw invalid(`${fieldPrefix}.documents.${missing}`, "unknown or not ready document");
  }
  // Requests with one Idempotency-Key share one task id: they take one run slot, and only the one that records the
  // task stores its context, so a race of retries costs nothing twice.
  const taskId = origin.idempotencyKey ? await keyedTaskId(tenantId, origin.idempotencyKey) : crypto.randomUUID();
  const runId = crypto.randomUUID();
  try {
    await admitRun(deps, deps.principal, {
      holder: taskId,
      kind: "task",
      timeoutSeconds: input.budget.timeoutSeconds ?? DEFAULT_RUN_LIMITS.timeoutSeconds,
    });
  } catch (err) {
    // A retry arriving just after its first attempt was recorded is that attempt, not a new run over the limit.
    const raced = origin.idempotencyKey ? await findByKey(db, tenantId, origin.idempotencyKey) : null;
    if (raced) return replayOf(raced, requestHash);
    throw err;
  }
  const isText = typeof input.context === "string";
  const context: TaskLaunch["context"] =
    input.context !== undefined
      ? { kind: "stored", key: `contexts/${tenantId}/${taskId}`, format: isText ? "text" : "json" }
      : input.documents?.length
        ? { kind: "documents", ids: input.documents }
        : { kind: "none" };
  let row: TaskRow | undefined;
  try {
    [row] = await db
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
  } catch (err) {
    await releaseRun(env, tenantId, taskId);
    throw err;
  }
  if (!row) {
    // Two requests with the same key raced and the other one recorded the task: its slot and context are its own.
    const winner = origin.idempotencyKey ? await findByKey(db, tenantId, origin.idempotencyKey) : null;
    if (!winner) throw new AppError("internal", "The task could not be recorded");
    return replayOf(winner, requestHash);
  }
  if (context.kind === "stored") {
    try {
      await env.DOCUMENTS.put(context.key, isText ? (input.context as string) : JSON.stringify(input.context));
    } catch (err) {
      await failUnstarted(env, db, tenantId, taskId);
      throw err;
    }
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
  try {
    await getTaskStub(env, taskId).start(launch);
  } catch (err) {
    await failUnstarted(env, db, tenantId, taskId);
    if (context.kind === "stored") await env.DOCUMENTS.delete(context.key).catch(() => {});
    throw err;
  }
  return { task: row, replayed: false };
}

/** A recorded task that never reached its object: it ends here, recorded, and its run slot goes back. */
async function failUnstarted(env: Env, db: Db, tenantId: string, taskId: string): Promise<void> {
  await releaseRun(env, tenantId, taskId);
  await markTaskEnded(db, tenantId, taskId, {
    status: "failed",
    error: { code: "internal", message: "The task could not be started; send it again" },
    usage: { llmCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 },
  }).catch(() => {});
}

/**
 * The task id of a tenant's Idempotency-Key: a UUID from the key's SHA-256 (version and variant bits set as RFC
 * 9562 asks of a custom, version 8, UUID), so every request carrying the key names the same task.
 */
export async function keyedTaskId(tenantId: string, key: string): Promise<string> {
  const hex = (await sha256Hex(`${tenantId}\n${key}`)).slice(0, 32).split("");
  hex[12] = "8";
  hex[16] = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
