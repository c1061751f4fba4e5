/**
 * CLI for the dev sandbox server.
 *
 * Usage: `tsx dev/sandbox-server/main.ts [--port 8790] [--host 127.0.0.1] [--root .data/sandboxes]
 *          [--api-key KEY] [--max-sandboxes 20] [--memory-mb 2048] [--processes 512] [--isolation auto|bwrap|none]
 *          [--latency cloud|none] [--quota none|tier1]`
 * The API key may also come from `DAYTONA_API_KEY` (default `dev-sandbox-key`). Prints the apiUrl to use with
 * `new Daytona({apiKey, apiUrl})` and keeps running until SIGINT/SIGTERM. `--memory-mb` bounds every sandbox's
 * memory (all its processes together) instead of each create request's `memory` GiB.
 */
import { parseArgs } from "node:util";
import { NO_LATENCY, startSandboxServer, TIER1_QUOTA } from "./index";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8790" },
    host: { type: "string", default: "127.0.0.1" },
    root: { type: "string", default: ".data/sandboxes" },
    "api-key": { type: "string" },
    "max-sandboxes": { type: "string", default: "20" },
    "memory-mb": { type: "string" },
    processes: { type: "string" },
    isolation: { type: "string", default: "auto" },
    latency: { type: "string", default: "cloud" },
    quota: { type: "string", default: "none" },
  },
});

const isolation = values.isolation as "auto" | "bwrap" | "none";
if (!["auto", "bwrap", "none"].includes(isolation)) throw new Error("--isolation must be auto, bwrap or none");
const apiKey = values["api-key"] ?? process.env.DAYTONA_API_KEY ?? "dev-sandbox-key";
const server = await startSandboxServer({
  port: Number(values.port),
  host: values.host,
  root: values.root,
  apiKey,
  maxSandboxes: Number(values["max-sandboxes"]),
  isolation,
  latency: values.latency === "none" ? NO_LATENCY : undefined,
  quota: values.quota === "tier1" ? TIER1_QUOTA : undefined,
  limits: {
    ...(values["memory-mb"] ? { sandboxMemoryBytes: Number(values["memory-mb"]) * 1024 * 1024 } : {}),
    ...(values.processes ? { processes: Number(values.processes) } : {}),
  },
});
console.log(`dev sandbox server listening: apiUrl=${server.apiUrl} isolation=${server.isolation}`);

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    void server.stop().then(() => process.exit(0));
  });
}
