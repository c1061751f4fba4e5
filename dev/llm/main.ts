/**
 * CLI for the scripted LLM server.
 *
 *   npx tsx dev/llm/main.ts [--port 4010] [--host 127.0.0.1] [--api-key KEY] [--mode solver|script]
 *                           [--latency-ms N] [--per-token-ms N] [--model NAME]... [--accept-any-model]
 *                           [--fail-rate P --fail-status S --seed N]
 *
 * Prints one line `scripted-llm listening on <base URL ending in /v1>` and serves until SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { startScriptedLlm } from "./index";

// A fixed default port so `OPENAI_BASE_URL=http://127.0.0.1:4010/v1` works without reading the log; 0 = any free port.
const DEFAULT_PORT = 4010;

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got '${v}'`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "api-key": { type: "string" },
      mode: { type: "string" },
      "latency-ms": { type: "string" },
      "per-token-ms": { type: "string" },
      model: { type: "string", multiple: true },
      "accept-any-model": { type: "boolean" },
      "fail-rate": { type: "string" },
      "fail-status": { type: "string" },
      seed: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "usage: tsx dev/llm/main.ts [--port N] [--host H] [--api-key K] [--mode solver|script] [--latency-ms N]\n" +
        "       [--per-token-ms N] [--model NAME]... [--accept-any-model] [--fail-rate P --fail-status S --seed N]\n",
    );
    return;
  }
  const mode = values.mode ?? "solver";
  if (mode !== "solver" && mode !== "script") throw new Error(`--mode must be solver or script, got '${mode}'`);
  const rate = num(values["fail-rate"], "fail-rate");
  const llm = await startScriptedLlm({
    port: num(values.port ?? process.env.SCRIPTED_LLM_PORT, "port") ?? DEFAULT_PORT,
    host: values.host,
    apiKey: values["api-key"] ?? process.env.SCRIPTED_LLM_API_KEY,
    mode,
    latencyMs: num(values["latency-ms"], "latency-ms"),
    perTokenMs: num(values["per-token-ms"], "per-token-ms"),
    models: values.model ?? [],
    acceptAnyModel: values["accept-any-model"] ?? false,
    faults:
      rate === undefined
        ? undefined
        : {
            failRate: {
              probability: rate,
              status: num(values["fail-status"], "fail-status") ?? 500,
              seed: num(values.seed, "seed") ?? 1,
            },
          },
  });
  process.stdout.write(`scripted-llm listening on ${llm.url}\n`);
  const shutdown = () => {
    llm.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`scripted-llm: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
