/**
 * Database failures a client should retry rather than report: the server is out of connections, still starting, or
 * cannot be reached. Classified by fields — the Postgres SQLSTATE, a socket error code, the brand {@link openDb} puts
 * on every error raised while a connection was being opened — never by message text, which differs between Neon,
 * PostgreSQL, PGlite and the WebSocket proxy. Also shapes a driver error for the log without the query's parameters.
 */

/** SQLSTATEs that mean "try again shortly" (PostgreSQL Appendix A): too_many_connections, cannot_connect_now. */
const TRANSIENT_SQLSTATES: Record<string, DbUnavailableReason> = {
  "53300": "too_many_connections",
  "57P03": "starting_up",
};

/** Socket error codes of a connection that never opened (the driver under Node, e.g. in bench and dev scripts). */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/** How deep to follow `cause`: drizzle wraps the driver's error once, our connect brand once more. */
const MAX_CAUSE_DEPTH = 5;

/** Why the database cannot serve a request right now. */
export type DbUnavailableReason = "too_many_connections" | "starting_up" | "unreachable";

/** A transient database failure: why, and the driver's code when it gave one. */
export interface DbUnavailable {
  reason: DbUnavailableReason;
  code?: string;
}

/** The brand {@link connectionError} sets; a field, so it survives re-wrapping by drizzle. */
interface ConnectionBrand {
  dbConnectionFailed: true;
  code?: string;
}

interface Fields {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  severity?: unknown;
  routine?: unknown;
  cause?: unknown;
  query?: unknown;
  params?: unknown;
  dbConnectionFailed?: unknown;
}

function fieldsOf(value: unknown): Fields | null {
  return typeof value === "object" && value !== null ? (value as Fields) : null;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** `err` and its causes, outermost first. */
function chain(err: unknown): Fields[] {
  const links: Fields[] = [];
  for (let link = fieldsOf(err); link && links.length < MAX_CAUSE_DEPTH; link = fieldsOf(link.cause)) links.push(link);
  return links;
}

/**
 * Wraps an error raised while a pool opened a connection (refused, timed out, a WebSocket that failed, a FATAL from the
 * server during startup) so {@link classifyDbFailure} knows the query never reached the database. Some of these are
 * not `Error`s at all: the driver passes a WebSocket's `ErrorEvent` through.
 */
export function connectionError(cause: unknown): Error & ConnectionBrand {
  const code = text(fieldsOf(cause)?.code);
  const error = new Error("Could not open a database connection", { cause }) as Error & ConnectionBrand;
  error.name = "DbConnectionError";
  error.dbConnectionFailed = true;
  if (code) error.code = code;
  return error;
}

/**
 * Whether `err` (as thrown by a query, possibly wrapped by drizzle) is a transient failure to get a connection; null
 * for every other error, including a connection refused for bad credentials or a missing database (SQLSTATE classes
 * 28 and 3D), which retrying cannot fix.
 * @example
 * const unavailable = classifyDbFailure(err);
 * if (unavailable) throw new AppError("unavailable", "The database is busy", { retryAfter: 2, cause: err });
 */
export function classifyDbFailure(err: unknown): DbUnavailable | null {
  for (const link of chain(err)) {
    const code = text(link.code);
    const transient = code ? TRANSIENT_SQLSTATES[code] : undefined;
    if (transient && code) return { reason: transient, code };
    if (code && UNREACHABLE_CODES.has(code)) return { reason: "unreachable", code };
    if (link.dbConnectionFailed === true) {
      // A SQLSTATE of class 08 is a connection exception; any other one is the server refusing us for good.
      if (code === undefined) return { reason: "unreachable" };
      if (code.startsWith("08")) return { reason: "unreachable", code };
    }
  }
  return null;
}

/**
 * Fields of a database error that are safe to log: the driver's name, SQLSTATE, severity and routine, and its message
 * only for a connection failure (fixed server text). Never drizzle's message, which carries the query's parameters
 * (API key hashes, tenant data), nor a query error's message, which Postgres may fill with an input value
 * (`invalid input syntax for type uuid: "…"`). Null when `err` is not a database error.
 */
export function dbErrorLogFields(err: unknown): Record<string, string> | null {
  const links = chain(err);
  const isDbError = links.some(
    (link) => "query" in link || link.dbConnectionFailed === true || text(link.severity) !== undefined,
  );
  if (!isDbError) return null;
  // The innermost link is the driver's (or the WebSocket's) own error.
  const driver = links[links.length - 1] as Fields;
  const fields: Record<string, string> = {};
  const name = text(driver.name) ?? text((driver as { type?: unknown }).type);
  if (name) fields.name = name;
  for (const key of ["code", "severity", "routine"] as const) {
    const value = text(driver[key]);
    if (value) fields[key] = value;
  }
  const message = text(driver.message);
  if (message && classifyDbFailure(err)) fields.message = message;
  return fields;
}
