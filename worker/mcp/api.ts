/**
 * The MCP server's way to act: the REST API itself, called in-process with the caller's own credential. Every tool
 * therefore gets exactly what the same request over HTTP would — authentication, the key's scopes, tenant isolation,
 * validation, rate limits and quotas — with no second implementation of any of them.
 */

/** What the app offers: its `fetch`, which the MCP route hands over with its own bindings and context. */
export type ApiFetch = (request: Request) => Promise<Response>;

/** A REST error as the API sends it. */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

/** The outcome of a JSON call: the body, or the API's refusal as data for the tool to report. */
export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; failure: ApiFailure };

export interface Api {
  /** The raw response (streams, ranges). */
  raw(method: string, path: string, init?: { body?: BodyInit; headers?: Record<string, string> }): Promise<Response>;
  /** A JSON call; a non-2xx answer comes back as `{ ok: false, failure }`. */
  json<T>(
    method: string,
    path: string,
    init?: { json?: unknown; body?: BodyInit; headers?: Record<string, string> },
  ): Promise<ApiResult<T>>;
}

/** Reads a REST error body; anything else (an empty 416, a proxy's page) is described by its status. */
export async function readFailure(res: Response): Promise<ApiFailure> {
  const text = await res.text();
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; details?: unknown } };
    return { status: res.status, code: error.code, message: error.message, details: error.details };
  } catch {
    return { status: res.status, code: `http_${res.status}`, message: `The API answered ${res.status}` };
  }
}

/** An {@link Api} on `fetch` that sends `authorization` (the caller's header, unchanged) with every call. */
export function inProcessApi(fetch: ApiFetch, origin: string, authorization: string): Api {
  const raw: Api["raw"] = (method, path, init = {}) =>
    fetch(
      new Request(`${origin}${path}`, {
        method,
        body: init.body,
        headers: { ...init.headers, authorization },
      }),
    );
  return {
    raw,
    async json<T>(
      method: string,
      path: string,
      init: { json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
    ) {
      const headers = { ...init.headers, ...(init.json !== undefined ? { "content-type": "application/json" } : {}) };
      const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
      const res = await raw(method, path, { body, headers });
      if (!res.ok) return { ok: false, failure: await readFailure(res) };
      return { ok: true, status: res.status, body: (await res.json()) as T };
    },
  };
}
