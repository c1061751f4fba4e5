/**
 * `npm run bootstrap -- --tenant acme --email admin@acme.com`: creates the first tenant, its owner and an admin API
 * key, and prints the key once. Works against `DATABASE_URL` (production: Neon) or the local stack.
 */
import { parseArgs } from "node:util";
import { bootstrapTenant } from "../worker/auth/bootstrap";
import { openDb } from "../worker/db/client";
import { configureNeonForNode } from "./db/migrate";
import { openDatabaseTarget } from "./local-database";

const { values } = parseArgs({
  options: {
    tenant: { type: "string", default: "dev" },
    name: { type: "string" },
    email: { type: "string" },
  },
});
if (!values.email) {
  console.error("usage: npm run bootstrap -- --tenant <slug> --email <owner email> [--name <display name>]");
  process.exit(2);
}

const target = await openDatabaseTarget(process.env);
configureNeonForNode(target.wsProxy);
const handle = openDb({ DATABASE_URL: target.connectionString, NEON_WS_PROXY: target.wsProxy });
try {
  const result = await bootstrapTenant(handle.db, {
    tenantSlug: values.tenant,
    tenantName: values.name,
    email: values.email,
  });
  console.log(`tenant  ${result.tenant.slug} (${result.tenant.id}) in ${target.describe}`);
  console.log(`owner   ${result.user.email}`);
  console.log(`api key ${result.apiKey.secret}`);
  console.log("        (shown once: store it now; it has the admin scope)");
} finally {
  await handle.close();
  await target.release();
}
