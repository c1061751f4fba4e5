/**
 * `repl_server.py`'s production listener: TCP on the preview port, as Daytona's daemon reaches it through
 * `localhost`, instead of the dev server's Unix socket. Every other suite uses the socket, so this one checks what
 * only a real deployment would otherwise exercise: the listener binds on the port it is given and answers the
 * contract with its authentication (its latency is `bench:sandbox`'s to measure, never a test's).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecReply, REPL_SECRET_HEADER, ReplHealth } from "../../worker/contracts/repl";
import { freePort } from "./processes";

const SOURCE = path.resolve(import.meta.dirname, "../../worker/sandbox/python/repl_server.py");
const secret = randomBytes(16).toString("hex");
let child: ChildProcess;
let base: string;

async function post(route: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${base}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", [REPL_SECRET_HEADER]: secret },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.json();
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Without DAYTONA_DEV_PORTS_DIR the server takes its production branch: TCP on FLEET_REPL_PORT.
  const { DAYTONA_DEV_PORTS_DIR: _unix, ...inherited } = process.env;
  const env = { ...inherited, FLEET_REPL_SECRET: secret, FLEET_REPL_PORT: String(port) };
  child = spawn("python3", [SOURCE], { env, stdio: ["ignore", "ignore", "pipe"] });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await fetch(`${base}/health`, { headers: { [REPL_SECRET_HEADER]: secret } }).catch(() => null);
    if (up?.ok) break;
    if (Date.now() > deadline) throw new Error("the REPL's TCP listener did not come up");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 30_000);
afterAll(() => {
  child?.kill("SIGTERM");
});

describe("the REPL's TCP listener", () => {
  it("answers the contract over TCP and refuses a wrong secret", async () => {
    const health = ReplHealth.parse(
      await (await fetch(`${base}/health`, { headers: { [REPL_SECRET_HEADER]: secret } })).json(),
    );
    expect(health.ok).toBe(true);
    const reply = ExecReply.parse(await post("/exec", { code: "print(6 * 7)", execId: "tcp-1", waitMs: 5_000 }));
    expect(reply).toMatchObject({ status: "done", stdout: "42\n", error: null });
    const wrong = await fetch(`${base}/health`, { headers: { [REPL_SECRET_HEADER]: "nope" } });
    expect(wrong.status).toBe(401);
  });
});
