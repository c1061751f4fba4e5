import { defineConfig } from "drizzle-kit";

/** drizzle-kit generates SQL migrations from the schema; applying them is `npm run db:migrate`'s job. */
export default defineConfig({
  dialect: "postgresql",
  schema: "./worker/db/schema.ts",
  out: "./migrations",
});
