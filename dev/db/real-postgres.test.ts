import { describe } from "vitest";
import { definePoolSuite } from "./pool-suite";
import { findPostgresBin, startRealPostgres } from "./real-postgres";

const bin = findPostgresBin();
if (!bin) {
  // CI must prove the code against real PostgreSQL; a missing server there is a setup bug, not a skip.
  if (process.env.CI === "true") throw new Error("CI=true but PostgreSQL (initdb/pg_ctl) is not installed");
  console.warn("[real-postgres.test] skipped: PostgreSQL is not installed (apt-get install postgresql)");
}

describe.skipIf(!bin)("real PostgreSQL through the WebSocket proxy", () => {
  definePoolSuite(async () => {
    const pg = await startRealPostgres();
    if (!pg) throw new Error("PostgreSQL disappeared between discovery and start");
    console.info(`[real-postgres.test] ${pg.version} on ${pg.host}:${pg.port}`);
    return pg;
  });
});
