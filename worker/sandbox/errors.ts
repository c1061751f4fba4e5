/**
 * Maps Daytona SDK failures onto our error codes. The SDK picks its error subclass from the HTTP status; we read the
 * status, name and code fields rather than `instanceof`, which does not survive bundling twice or crossing RPC.
 */
import { AppError } from "../errors";

interface DaytonaLike {
  name?: string;
  message?: string;
  statusCode?: number;
  headers?: Record<string, unknown>;
}

/** True when retrying the same idempotent call may succeed (rate limits, provider hiccups, dropped connections). */
export function isRetryableSandboxError(err: unknown): boolean {
  const { statusCode, name } = (err ?? {}) as DaytonaLike;
  if (statusCode === 429 || statusCode === 502 || statusCode === 503 || statusCode === 504) return true;
  return name === "DaytonaConnectionError" || name === "DaytonaConnectionTimeoutError";
}

/**
 * Daytona's organisation quotas are 400s, not 429s: `BadRequestError("Total CPU|memory|disk limit exceeded …")` from
 * `validateOrganizationQuotas` (apps/api/src/sandbox/services/sandbox.service.ts), where stopped sandboxes still
 * count their disk.
 */
const ORG_QUOTA = /total (cpu|memory|disk) limit exceeded/i;

/** The HTTP status an SDK (or fetch) failure carries, if any. */
export function sandboxStatus(err: unknown): number | undefined {
  return ((err ?? {}) as DaytonaLike).statusCode;
}

/** Translates any error thrown by the SDK into an {@link AppError} with a message a user can act on. */
export function toSandboxError(err: unknown, action: string): AppError {
  const { statusCode, name, message = String(err), headers } = (err ?? {}) as DaytonaLike;
  const retryAfter = Number(headers?.["retry-after"]) || undefined;
  const internal = `${action}: ${name ?? "Error"} ${statusCode ?? ""} ${message}`;
  if (statusCode === 429) {
    return new AppError(
      "sandbox_quota_exceeded",
      "The sandbox provider is limiting how fast sandboxes are created or changed; try again shortly",
      { retryAfter: retryAfter ?? 10, internal, cause: err, details: { limit: "rate" } },
    );
  }
  const quota = statusCode === 400 ? ORG_QUOTA.exec(message) : null;
  if (quota) {
    const limit = (quota[1] as string).toLowerCase();
    const why =
      limit === "disk"
        ? "the sandboxes' total disk limit is reached (stopped sandboxes count too)"
        : `the sandboxes' total ${limit === "cpu" ? "CPU" : limit} limit is reached`;
    // Daytona gives no Retry-After here: a slot frees when another run's sandbox stops or is deleted.
    return new AppError("sandbox_quota_exceeded", `No sandbox is available right now: ${why}; try again in a minute`, {
      retryAfter: retryAfter ?? 60,
      internal,
      cause: err,
      details: { limit },
    });
  }
  if (statusCode === 404) return new AppError("not_found", "The sandbox no longer exists", { internal, cause: err });
  if (statusCode === 401 || statusCode === 403) {
    return new AppError("unavailable", "The sandbox provider refused our credentials (check DAYTONA_API_KEY)", {
      internal,
      cause: err,
    });
  }
  if (statusCode === 408 || statusCode === 504 || /Timeout/.test(name ?? "")) {
    return new AppError("timeout", `The sandbox provider timed out while trying to ${action}`, {
      internal,
      cause: err,
    });
  }
  if (statusCode !== undefined && statusCode < 500) {
    return new AppError("sandbox_failed", `The sandbox provider rejected the request to ${action}: ${message}`, {
      internal,
      cause: err,
    });
  }
  return new AppError("unavailable", `The sandbox provider is unavailable (could not ${action})`, {
    internal,
    cause: err,
  });
}

/** Retries an idempotent provider call on transient failures: 3 attempts, 200 ms then 800 ms apart (plus jitter). */
export async function withSandboxRetries<T>(action: string, work: () => Promise<T>): Promise<T> {
  const delays = [200, 800];
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const delay = delays[attempt];
      if (delay === undefined || !isRetryableSandboxError(err)) throw toSandboxError(err, action);
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay * 0.5));
    }
  }
}
