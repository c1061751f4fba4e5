/**
 * The local stack around the Worker: database (+ proxy), dev sandbox server and — when no LLM endpoint is
 * configured — the scripted demo model. Returns the bindings the Worker needs to reach them. Used by `npm run dev`
 * and by benchmarks; tests start the same pieces from their global setup.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startLocalDatabase } from "./database";
import { startScriptedLlm } from "./llm/index";
import { chooseSandboxRoot, type Latency, startSandboxServer } from "./sandbox-server/index";
import { replSnapshot } from "./snapshot/fleet-repl";
import { settingsFromEnv } from "./worker-settings";

export interface LocalStack {
  /** Worker bindings: the services' coordinates and local secrets, overridden by settings from the environment. */
  vars: Record<string, string>;
  /** One line per service, for the startup banner. */
  describe: string[];
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Directory for persisted local data (PGlite, sandboxes, generated secrets). */
  dataDir: string;
  /** The caller's environment: every setting of `WORKER_SETTINGS` found there reaches the Worker. */
  env: NodeJS.ProcessEnv;
  /**
   * Latency the dev sandbox server adds (default: cloud-like, so `npm run dev` feels like Daytona); benchmarks of the
   * local stack pass `NO_LATENCY`.
   */
  sandboxLatency?: Partial<Latency>;
}

/**
 * Starts every service; on failure stops what already started and rethrows. A DAYTONA_API_URL in `env` replaces the
 * dev sandbox server, and an OPENAI_API_KEY or OPENAI_BASE_URL the scripted demo model.
 */
export async function startLocalStack({ dataDir, env, sandboxLatency }: LocalStackOptions): Promise<LocalStack> {
  await mkdir(dataDir, { recursive: true });
  const secrets = await loadDevSecrets(join(dataDir, "dev-secrets.json"));
  const settings = settingsFromEnv(env);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => console.error(err));
  };
  try {
    const database = await startLocalDatabase({ url: env.DATABASE_URL, dataDir: join(dataDir, "pglite") });
    stops.push(() => database.stop());
    const vars: Record<string, string> = {
      ENVIRONMENT: "development",
      DATABASE_URL: database.connectionString,
      NEON_WS_PROXY: database.wsProxy,
      DAYTONA_API_KEY: secrets.daytonaApiKey,
      SESSION_SECRET: secrets.sessionSecret,
      ENCRYPTION_KEY: secrets.encryptionKey,
    };
    const describe = [
      `database   ${database.kind === "embedded" ? `embedded PGlite (${join(dataDir, "pglite")})` : "PostgreSQL from DATABASE_URL"}`,
    ];
    if (settings.DAYTONA_API_URL) {
      describe.push(`sandboxes  ${settings.DAYTONA_API_URL} (DAYTONA_API_URL)`);
    } else {
      const sandboxRoot = await chooseSandboxRoot(join(dataDir, "sandboxes"));
      const apiKey = settings.DAYTONA_API_KEY ?? secrets.daytonaApiKey;
      // Offers the REPL snapshot `npm run snapshot:build` makes on Daytona, so DAYTONA_SNAPSHOT can be tried here.
      const repl = replSnapshot();
      const sandboxes = await startSandboxServer({
        root: sandboxRoot.root,
        apiKey,
        latency: sandboxLatency,
        snapshots: { [repl.name]: repl.files },
      });
      stops.push(() => sandboxes.stop());
      vars.DAYTONA_API_URL = sandboxes.apiUrl;
      describe.push(
        `sandboxes  dev sandbox server ${sandboxes.apiUrl} (${sandboxes.isolation === "bwrap" ? "bubblewrap" : "NOT isolated"}; files in ${sandboxRoot.root}${sandboxRoot.fallback ? ", because the project directory is private to its owner" : ""})`,
      );
    }
    if (settings.OPENAI_API_KEY || settings.OPENAI_BASE_URL) {
      describe.push(`llm        ${settings.OPENAI_BASE_URL ?? "https://api.openai.com/v1"}`);
    } else {
      const demo = await startScriptedLlm({ mode: "solver" });
      stops.push(() => demo.stop());
      vars.DEMO_LLM_BASE_URL = demo.url;
      describe.push("llm        none configured: only the demo model (scripted) is offered; set OPENAI_API_KEY");
    }
    return { vars: { ...vars, ...settings }, describe, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

interface DevSecrets {
  sessionSecret: string;
  encryptionKey: string;
  daytonaApiKey: string;
}

/** Generated once per checkout and kept, so sign-ins and encrypted rows survive restarts. */
async function loadDevSecrets(path: string): Promise<DevSecrets> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as DevSecrets;
  } catch {
    const secrets: DevSecrets = {
      sessionSecret: randomBytes(32).toString("base64url"),
      encryptionKey: randomBytes(32).toString("base64"),
      daytonaApiKey: `dev-${randomBytes(16).toString("hex")}`,
    };
    await writeFile(path, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}
