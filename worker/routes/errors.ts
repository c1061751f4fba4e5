/** The one place errors become HTTP responses. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { classifyDbFailure, dbErrorLogFields } from "../db/failures";
import { AppError, isAppError, toErrorBody } from "../errors";
import { isOpenAiPath, toOpenAiError } from "../openai/wire";
import type { AppEnv } from "./app-env";

/** What a client is told to wait when the database has no connection for it: a burst is over in about that time. */
const DB_RETRY_AFTER_SECONDS = 2;

/** One refused field, as `details.issues` lists it. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** `app.onError`: typed errors keep their status; anything else is logged and becomes a bare 500. */
export function handleError(err: unknown, c: Context<AppEnv>): Response {
  const error = toAppError(err);
  if (error.status >= 500) {
    const cause = isAppError(err) ? err.cause : err;
    console.error(
      JSON.stringify({
        level: "error",
        requestId: c.var.requestId,
        code: error.code,
        message: error.message,
        internal: error.internal,
        // A database error is logged by its fields: drizzle's own message spells out the query's parameters.
        ...(dbErrorLogFields(cause) ? { db: dbErrorLogFields(cause) } : { cause: String(cause ?? "") }),
      }),
    );
  }
  if (error.retryAfter !== undefined) c.header("retry-after", String(error.retryAfter));
  // The OpenAI-compatible door answers as OpenAI does, so its clients raise their usual typed errors.
  const body = isOpenAiPath(c.req.path) ? toOpenAiError(error) : toErrorBody(error);
  return c.json(body, error.status as 400);
}

function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new AppError("payload_too_large", "Request body too large");
    if (err.status === 401) return new AppError("unauthenticated", err.message || "Unauthenticated");
    if (err.status < 500) return new AppError("bad_request", err.message || "Bad request");
  }
  const db = classifyDbFailure(err);
  if (db) {
    return new AppError("unavailable", "The database is busy; retry shortly", {
      retryAfter: DB_RETRY_AFTER_SECONDS,
      internal: `database ${db.reason}${db.code ? ` (${db.code})` : ""}`,
      cause: err,
    });
  }
  return new AppError("internal", "Internal error", { cause: err });
}

/** Converts a zod failure into the 400 every route returns, naming each offending field. */
export function validationError(error: ZodError, target: string): AppError {
  return invalidFields(
    error.issues.map((issue) => ({ field: [target, ...issue.path.map(String)].join("."), message: issue.message })),
  );
}

/** The 400 naming each offending field, for checks beyond a schema. */
export function invalidFields(issues: FieldIssue[]): AppError {
  const fields = [...new Set(issues.map((i) => i.field))].join(", ");
  return new AppError("validation_failed", `Invalid ${fields}`, { details: { issues } });
}

/** `app.notFound`: unknown routes answer JSON, not HTML. */
export function handleNotFound(c: Context<AppEnv>): Response {
  return c.json(toErrorBody(new AppError("not_found", `No route for ${c.req.method} ${c.req.path}`)), 404);
}
