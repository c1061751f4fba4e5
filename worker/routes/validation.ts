/**
 * The hooks `@hono/zod-openapi` calls after validating a request's path, query, headers or JSON body: the one place
 * input is refused before a handler runs.
 */
import type { ZodError } from "zod";
import { nulIssues } from "../contracts/nul";
import { invalidFields, validationError } from "./errors";

/**
 * What a hook receives. `data` is the parsed value on success and, as `@hono/zod-validator` passes it, the raw input
 * on failure, so a NUL is named even in a field that also failed its schema.
 */
export type ValidationResult = { target: string; data?: unknown } & (
  | { success: true }
  | { success: false; error: ZodError }
);

/** Schema failures only: for a route that checks NUL itself at a later stage (an inbound webhook's mapped task). */
export function refuseInvalid(result: ValidationResult): undefined {
  if (!result.success) throw validationError(result.error, result.target);
}

/** Every route's default hook: a NUL anywhere (Postgres cannot store it), then the schema's own failures. */
export function refuseInvalidOrNul(result: ValidationResult): undefined {
  const nul = nulIssues(result.data, result.target);
  if (nul.length > 0) throw invalidFields(nul);
  refuseInvalid(result);
}
