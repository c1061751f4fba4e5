/** Schemas shared by every HTTP route. */
import { z } from "@hono/zod-openapi";

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const IdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "0190c2b6-8f7a-7cc1-9d0e-3c1f2a4b5c6d" }),
});

/**
 * Standard error responses, to spread into a route's `responses`: the statuses the route's own checks answer, plus
 * `default` for what any route may answer (500, a busy database's 503, a dependency's 502/504), all one shape.
 */
export function errorResponses(...statuses: Array<400 | 401 | 403 | 404 | 409 | 413 | 429 | 503>) {
  const descriptions: Record<number, string> = {
    400: "Invalid input; `details.issues` names each field",
    401: "Missing or invalid credentials",
    403: "Authenticated but not allowed",
    404: "Not found (also for ids of other tenants)",
    409: "Conflict with the current state",
    413: "Request body too large",
    429: "Rate limited or over quota; see `retry-after`",
    503: "A dependency is unavailable",
  };
  const response = (description: string) => ({
    description,
    content: { "application/json": { schema: ErrorResponse } },
  });
  return {
    ...Object.fromEntries(statuses.map((status) => [status, response(descriptions[status] ?? "Error")])),
    default: response("Any other error, in the same shape (`internal`, `unavailable`, `upstream_error`, `timeout` …)"),
  } as Record<number | "default", ReturnType<typeof response>>;
}
