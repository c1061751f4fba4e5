/**
 * `npm run db:migrate`: applies `migrations/` to `DATABASE_URL` (e.g. Neon: use its direct, unpooled URL) or, when
 * unset, to the local embedded database. `npm run dev` and the tests migrate on their own.
 */
import { migrate } from "./db/migrate";
import { openDatabaseTarget } from "./local-database";

const target = await openDatabaseTarget(process.env);
try {
  await migrate(target.connectionString, { wsProxy: target.wsProxy });
  console.log(`migrations applied to ${target.describe}`);
} finally {
  await target.release();
}
