import { DrizzleQueryError } from "drizzle-orm/errors";
import { describe, expect, it } from "vitest";
import { classifyDbFailure, connectionError, dbErrorLogFields } from "./failures";

/** A driver error as `pg` builds it from an ErrorResponse: the message plus SQLSTATE and severity fields. */
function pgError(code: string, message: string, severity = "ERROR"): Error {
  return Object.assign(new Error(message), { name: "error", code, severity, routine: "ProcessStartupPacket" });
}

/** What drizzle throws for a failed query: its message spells out the query and its parameters. */
function wrapped(cause: unknown): Error {
  return new DrizzleQueryError("select * from api_keys where hash = $1", ["secret-hash"], cause as Error);
}

describe("classifyDbFailure", () => {
  it("finds connection exhaustion and start-up by SQLSTATE, through drizzle's wrapper and the connect brand", () => {
    const full = pgError("53300", "sorry, too many clients already", "FATAL");
    expect(classifyDbFailure(wrapped(connectionError(full)))).toEqual({
      reason: "too_many_connections",
      code: "53300",
    });
    expect(classifyDbFailure(wrapped(pgError("57P03", "the database system is starting up", "FATAL")))).toEqual({
      reason: "starting_up",
      code: "57P03",
    });
  });

  it("counts a failure to open a connection as unreachable: a socket code, a timeout, a WebSocket error event", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(classifyDbFailure(wrapped(refused))).toEqual({ reason: "unreachable", code: "ECONNREFUSED" });
    // The pool's own connect timeout has no code; the brand says it happened while connecting.
    expect(classifyDbFailure(wrapped(connectionError(new Error("timeout exceeded when trying to connect"))))).toEqual({
      reason: "unreachable",
    });
    expect(classifyDbFailure(connectionError({ type: "error" }))).toEqual({ reason: "unreachable" });
    expect(classifyDbFailure(connectionError(pgError("08006", "connection failure")))).toEqual({
      reason: "unreachable",
      code: "08006",
    });
  });

  it("leaves permanent failures and query errors alone, whatever their wording", () => {
    expect(classifyDbFailure(connectionError(pgError("28P01", "password authentication failed", "FATAL")))).toBeNull();
    expect(classifyDbFailure(connectionError(pgError("3D000", 'database "x" does not exist', "FATAL")))).toBeNull();
    expect(classifyDbFailure(wrapped(pgError("23505", "duplicate key value violates unique constraint")))).toBeNull();
    // Text alone classifies nothing.
    expect(classifyDbFailure(new Error("sorry, too many clients already"))).toBeNull();
    expect(classifyDbFailure("53300")).toBeNull();
  });
});

describe("dbErrorLogFields", () => {
  it("logs the driver's fields and never drizzle's query or parameters", () => {
    const fields = dbErrorLogFields(wrapped(connectionError(pgError("53300", "sorry, too many clients", "FATAL"))));
    expect(fields).toEqual({
      name: "error",
      code: "53300",
      severity: "FATAL",
      routine: "ProcessStartupPacket",
      message: "sorry, too many clients",
    });
    expect(JSON.stringify(fields)).not.toContain("secret-hash");
  });

  it("drops a query error's message, which may quote an input value", () => {
    const fields = dbErrorLogFields(wrapped(pgError("22P02", 'invalid input syntax for type uuid: "tenant-secret"')));
    expect(fields).toEqual({ name: "error", code: "22P02", severity: "ERROR", routine: "ProcessStartupPacket" });
  });

  it("is null for an error that is not the database's", () => {
    expect(dbErrorLogFields(new TypeError("x is undefined"))).toBeNull();
  });
});
