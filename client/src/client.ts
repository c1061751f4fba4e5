/** The generated part of the client: `openapi-fetch` over the types `openapi-typescript` renders from `openapi.yaml`. */
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema";

/** A client for every route of the API, typed by path, method, parameters, body and response. */
export type FleetClient = Client<paths>;

/** The error body every route answers with (`{error: {code, message, details?}}`). */
export type ApiErrorBody = components["schemas"]["Error"];

/** Where the API is and how to authenticate. */
export interface FleetClientOptions {
  /** The deployment's origin, e.g. `http://127.0.0.1:8787` (no `/v1`: paths carry it). */
  baseUrl: string;
  /** An API key (`frk_…`) or a sign-in token, sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** A `fetch` to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: typeof fetch;
}

/**
 * A client for one deployment.
 * @example
 * const api = createFleetClient({ baseUrl: "http://127.0.0.1:8787", apiKey: process.env.FLEET_API_KEY });
 * const task = orThrow(await api.GET("/v1/tasks/{id}", { params: { path: { id } } }));
 */
export function createFleetClient(options: FleetClientOptions): FleetClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    fetch: options.fetch,
    headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
  });
}

/** A refused request: the HTTP status and the API's stable error `code`, message and details. */
export class FleetApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;

  constructor(status: number, body: unknown) {
    const error = isErrorBody(body) ? body.error : undefined;
    super(error?.message ?? `HTTP ${status}${typeof body === "string" && body ? `: ${body.slice(0, 200)}` : ""}`);
    this.name = "FleetApiError";
    this.status = status;
    this.code = error?.code ?? `http_${status}`;
    this.details = error?.details;
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === "string" && typeof error.message === "string";
}

/**
 * The data of a successful call, or a {@link FleetApiError} thrown for a refused one: for callers that treat any
 * refusal as a failure (scripts, benchmarks) rather than branching on `error`.
 */
export function orThrow<D>(result: { data?: D; error?: unknown; response: Response }): Exclude<D, undefined> {
  if (!result.response.ok) throw new FleetApiError(result.response.status, result.error);
  // SAFETY: openapi-fetch sets `data` for every 2xx answer with a body; the routes that answer 204 are not read here.
  return result.data as Exclude<D, undefined>;
}
