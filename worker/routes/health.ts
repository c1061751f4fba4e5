/** Liveness (`/health`) and readiness (`/ready`): the database, the sandbox provider and the LLM, each reported. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { errorResponses } from "../contracts/common";
import { openDb } from "../db/client";
import { checkSandboxProvider } from "../sandbox";
import type { AppEnv } from "./app-env";
import { isDevelopment } from "./auth";
import { PUBLIC } from "./openapi";

const Check = z.object({
  ok: z.boolean(),
  detail: z.string(),
  latencyMs: z.number().optional(),
});

const Ready = z
  .object({
    ready: z.boolean().openapi({ description: "True when the database answers; the API can serve requests" }),
    checks: z.object({ database: Check, sandbox: Check, llm: Check }),
  })
  .openapi("Ready");

/** Three seconds: long enough for a cold Neon compute to wake, short enough for a load balancer probe. */
const CHECK_TIMEOUT_MS = 3_000;

export const healthRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/health",
      operationId: "getHealth",
      tags: ["ops"],
      summary: "Liveness: the Worker answers",
      security: PUBLIC,
      responses: {
        200: {
          description: "The Worker is up",
          content: { "application/json": { schema: z.object({ ok: z.literal(true) }) } },
        },
        ...errorResponses(),
      },
    }),
    (c) => c.json({ ok: true as const }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/ready",
      operationId: "getReadiness",
      tags: ["ops"],
      summary: "Readiness: the database, the sandbox provider and the LLM endpoint, each checked",
      security: PUBLIC,
      responses: {
        200: { description: "Ready", content: { "application/json": { schema: Ready } } },
        503: {
          description: "Not ready: the database is unreachable",
          content: { "application/json": { schema: Ready } },
        },
        ...errorResponses(),
      },
    }),
    async (c) => {
      const [database, sandbox] = await Promise.all([
        checkDatabase(c.env),
        checkSandboxProvider(c.env, CHECK_TIMEOUT_MS),
      ]);
      const llm = checkLlm(c.env);
      const body = { ready: database.ok, checks: { database, sandbox, llm } };
      return database.ok ? c.json(body, 200) : c.json(body, 503);
    },
  );

async function checkDatabase(env: Env): Promise<z.infer<typeof Check>> {
  if (!env.DATABASE_URL) return { ok: false, detail: "DATABASE_URL is not set" };
  const started = Date.now();
  const handle = openDb(env);
  try {
    await withTimeout(handle.db.execute(sql`select 1`), CHECK_TIMEOUT_MS);
    return { ok: true, detail: "connected", latencyMs: Date.now() - started };
  } catch (err) {
    return { ok: false, detail: `unreachable: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await handle.close().catch(() => {});
  }
}

function checkLlm(env: Env): z.infer<typeof Check> {
  if (env.OPENAI_BASE_URL || env.OPENAI_API_KEY) {
    return { ok: true, detail: `configured: ${env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"}` };
  }
  if (env.DEMO_LLM_BASE_URL && isDevelopment(env)) {
    return {
      ok: true,
      detail: "demo model (scripted) only: it solves the demo tasks; set OPENAI_API_KEY for real work",
    };
  }
  return { ok: false, detail: "no LLM endpoint: set OPENAI_API_KEY and/or OPENAI_BASE_URL, or add an LLM profile" };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    work,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)),
  ]);
}
