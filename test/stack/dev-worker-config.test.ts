/**
 * The Worker under `wrangler dev` as `npm run dev` starts it (the local stack's bindings plus settings from the
 * environment): no secret is readable on any process's command line (`/proc/<pid>/cmdline` is world-readable), the
 * Worker still has every one of them, and settings the README says to set in the environment reach it, checked by
 * their effect: a run's spans arrive at `OTEL_EXPORTER_OTLP_ENDPOINT` with `OTEL_EXPORTER_OTLP_HEADERS`.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeNiah } from "../../dev/llm/fixtures";
import { type ScriptedLlm, startScriptedLlm } from "../../dev/llm/index";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../../dev/otlp-receiver";
import { type LocalStack, startLocalStack } from "../../dev/stack";
import { startWorkerProcess, type WorkerProcess } from "../../dev/worker-process";
import { SECRET_SETTINGS } from "../../dev/worker-settings";
import { freePort, listProcesses } from "./processes";

/** With `$HOME`, a quote and `\$`: the Worker must get it verbatim, not shell- or dotenv-expanded. */
const OTLP_TOKEN = "tok$HOME'x\\$y";
const LLM_KEY = `sk-test-${crypto.randomUUID()}`;

/** Polls `probe` until it returns a value, or fails naming `what`. */
async function until<T>(probe: () => Promise<T | null>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(process.platform !== "linux")("the Worker's settings under npm run dev", () => {
  let dataDir: string;
  let llm: ScriptedLlm;
  let otlp: OtlpReceiver;
  let stack: LocalStack;
  let worker: WorkerProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "fleet-devcfg-"));
    // Sandboxes run as their own uids and must be able to traverse into their directories.
    await chmod(dataDir, 0o755);
    llm = await startScriptedLlm({ apiKey: LLM_KEY, mode: "solver", acceptAnyModel: true });
    otlp = await startOtlpReceiver();
    const env = {
      OPENAI_API_KEY: LLM_KEY,
      OPENAI_BASE_URL: llm.url,
      OPENAI_MODEL: "solver",
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_HEADERS: `x-otlp-token=${OTLP_TOKEN}`,
    };
    stack = await startLocalStack({ dataDir, env });
    worker = await startWorkerProcess({
      port: await freePort(),
      vars: stack.vars,
      persistTo: join(dataDir, "wrangler"),
    });
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
    await otlp?.stop();
    await llm?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function signIn(): Promise<string> {
    const res = await fetch(`${worker.url}/v1/auth/dev-login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "cfg@example.com", tenant: "devcfg" }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  }

  it("shows no secret on any process's command line, while the Worker uses every one", async () => {
    const secrets: Record<string, string> = { "the OTLP token": OTLP_TOKEN };
    for (const name of SECRET_SETTINGS) if (stack.vars[name]) secrets[name] = stack.vars[name];
    expect(Object.keys(secrets)).toEqual(expect.arrayContaining(["DATABASE_URL", "SESSION_SECRET", "OPENAI_API_KEY"]));
    const exposed = listProcesses().flatMap(({ pid, cmdline }) =>
      Object.entries(secrets)
        .filter(([, value]) => cmdline.includes(value))
        .map(([name]) => `${name} in the command line of pid ${pid}`),
    );
    expect(exposed).toEqual([]);

    // DATABASE_URL and DAYTONA_API_KEY: `/ready` connects to the database and lists sandboxes with the key.
    const ready = (await (await fetch(`${worker.url}/ready`)).json()) as {
      checks: Record<string, { ok: boolean; detail: string }>;
    };
    expect(ready.checks.database?.ok).toBe(true);
    expect(ready.checks.sandbox).toMatchObject({ ok: true });
    // SESSION_SECRET: the session token dev login issues is signed with it.
    const token = await signIn();
    await expect(jwtVerify(token, new TextEncoder().encode(stack.vars.SESSION_SECRET))).resolves.toBeDefined();
  });

  it("passes OTEL_EXPORTER_OTLP_ENDPOINT and _HEADERS from the environment: a run's spans arrive with the header", async () => {
    const token = await signIn();
    const niah = makeNiah({ chars: 20_000, seed: 5 });
    const created = await fetch(`${worker.url}/v1/rlm/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ query: niah.question, context: niah.context }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const run = await until(async () => {
      const res = await fetch(`${worker.url}/v1/rlm/runs/${id}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { status: string };
      return ["queued", "running"].includes(body.status) ? null : body;
    }, `run ${id}`);
    // OPENAI_API_KEY: the scripted model refuses any other key.
    expect(run.status).toBe("completed");

    const traceId = id.replaceAll("-", "");
    const spans = await until(
      async () => {
        const res = await fetch(`${otlp.url}/__admin/spans?traceId=${traceId}`);
        const { spans } = (await res.json()) as { spans: ReceivedSpan[] };
        return spans.some((s) => s.name === "rlm.run") ? spans : null;
      },
      `the spans of run ${id}`,
      30_000,
    );
    expect(spans.length).toBeGreaterThan(0);
    const { requests } = (await (await fetch(`${otlp.url}/__admin/requests`)).json()) as {
      requests: Array<{ headers: Record<string, string> }>;
    };
    expect(requests.every((r) => r.headers["x-otlp-token"] === OTLP_TOKEN)).toBe(true);
  });
});
