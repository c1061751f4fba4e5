/**
 * `npm run rlm -- --context FILE --query "..."`: one RLM run against the local stack (or any deployment with
 * `--url` and `--key`), printing the answer, iterations, sub-calls, tokens, cost and wall time.
 *
 * Without `--key` (or FLEET_API_KEY) it mints a key for the `dev` tenant in the running `npm run dev` stack.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parseArgs } from "node:util";
import { type components, createFleetClient, FleetApiError, orThrow } from "../client/src/index";
import { bootstrapTenant } from "../worker/auth/bootstrap";
import { openDb } from "../worker/db/client";
import { configureNeonForNode } from "./db/migrate";
import { openDatabaseTarget } from "./local-database";

type RlmRun = components["schemas"]["RlmRun"];

const { values } = parseArgs({
  options: {
    context: { type: "string" },
    query: { type: "string" },
    url: { type: "string", default: process.env.FLEET_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}` },
    key: { type: "string", default: process.env.FLEET_API_KEY },
    planner: { type: "string" },
    delegate: { type: "string" },
    "max-depth": { type: "string", default: "1" },
    "max-iterations": { type: "string", default: "20" },
    "llm-calls": { type: "string" },
    concurrency: { type: "string", default: "16" },
    json: { type: "boolean", default: false },
  },
});
if (!values.context || !values.query) {
  console.error(
    'usage: npm run rlm -- --context FILE --query "question" [--planner MODEL] [--max-depth N] [--url URL --key KEY]',
  );
  process.exit(2);
}

const raw = await readFile(values.context, "utf8");
const context: components["schemas"]["CreateRlmRunRequest"]["context"] =
  extname(values.context) === ".json" ? JSON.parse(raw) : raw;
const api = createFleetClient({ baseUrl: values.url, apiKey: values.key ?? (await localKey()) });
const started = Date.now();
const created = await api.POST("/v1/rlm/runs", {
  body: {
    query: values.query,
    context,
    models: { planner: values.planner, delegate: values.delegate },
    maxDepth: Number(values["max-depth"]),
    maxIterations: Number(values["max-iterations"]),
    subCallConcurrency: Number(values.concurrency),
    budget: values["llm-calls"] ? { llmCalls: Number(values["llm-calls"]) } : {},
  },
});
if (!created.data) {
  const error = new FleetApiError(created.response.status, created.error);
  console.error(`could not start the run (${error.status} ${error.code}): ${error.message}`);
  process.exit(1);
}
const { id } = created.data;
process.stderr.write(`run ${id} `);

let run: RlmRun;
for (;;) {
  run = orThrow(await api.GET("/v1/rlm/runs/{id}", { params: { path: { id } } }));
  if (run.status !== "queued" && run.status !== "running") break;
  process.stderr.write(".");
  await new Promise((r) => setTimeout(r, 500));
}
process.stderr.write("\n");

if (values.json) {
  console.log(JSON.stringify(run, null, 2));
} else {
  const usage = run.usage;
  console.log(`status      ${run.status}${run.endReason ? ` (${run.endReason})` : ""}`);
  if (run.error) console.log(`error       ${run.error.code}: ${run.error.message}`);
  console.log(`answer      ${run.answer ?? "(none)"}`);
  console.log(`iterations  ${run.iterations}`);
  console.log(`sub-calls   ${run.subCalls} (+ ${run.children.length} child runs)`);
  if (usage) {
    console.log(`llm calls   ${usage.llmCalls}`);
    console.log(
      `tokens      ${usage.promptTokens} prompt (${usage.cachedTokens} cached), ${usage.completionTokens} completion`,
    );
    console.log(`cost        $${usage.costUsd.toFixed(4)}`);
  }
  console.log(`wall time   ${((run.wallMs ?? Date.now() - started) / 1000).toFixed(2)} s`);
}
process.exit(run.status === "completed" ? 0 : 1);

/** A fresh admin key for the `dev` tenant of the running local stack. */
async function localKey(): Promise<string> {
  const target = await openDatabaseTarget({
    DATABASE_URL: process.env.DATABASE_URL,
    NEON_WS_PROXY: process.env.NEON_WS_PROXY,
  });
  if (target.describe.startsWith("embedded")) {
    await target.release();
    console.error("no running stack found: start `npm run dev` first, or pass --url and --key");
    process.exit(2);
  }
  configureNeonForNode(target.wsProxy);
  const handle = openDb({ DATABASE_URL: target.connectionString, NEON_WS_PROXY: target.wsProxy });
  try {
    const result = await bootstrapTenant(handle.db, {
      tenantSlug: "dev",
      email: "cli@localhost",
      keyName: "npm run rlm",
    });
    return result.apiKey.secret;
  } finally {
    await handle.close();
    await target.release();
  }
}
