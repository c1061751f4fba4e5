/**
 * {@link SandboxProvider} over the official `@daytonaio/sdk`, inside the Worker. Two deliberate departures from the
 * SDK's defaults (DESIGN §4.3): the client is created with `useDeprecatedPolling` and cached per isolate, because its
 * default constructor opens a socket.io connection at once; and file uploads go straight to the toolbox's
 * `files/upload-v2` endpoint with `fetch`, streaming, because the SDK's upload buffers the whole file as multipart and,
 * in serverless runtimes, does not check the response status.
 */
import { Daytona, type Sandbox } from "@daytonaio/sdk";
import { AppError } from "../errors";
import { toSandboxError, withSandboxRetries } from "./errors";
import type { CommandResult, PreviewLink, SandboxHandle, SandboxProvider, SandboxSpec } from "./provider";

export interface DaytonaSettings {
  apiUrl: string;
  apiKey: string;
}

const clients = new Map<string, Daytona>();

/** One SDK client per isolate and configuration: it is stateless per call, so requests can share it. */
function client({ apiUrl, apiKey }: DaytonaSettings): Daytona {
  const cacheKey = `${apiUrl}\n${apiKey}`;
  let daytona = clients.get(cacheKey);
  if (!daytona) {
    daytona = new Daytona({ apiUrl, apiKey, useDeprecatedPolling: true });
    clients.set(cacheKey, daytona);
  }
  return daytona;
}

/** Reads the provider settings from env; `unavailable` when they are missing. */
export function daytonaSettings(env: Pick<Env, "DAYTONA_API_URL" | "DAYTONA_API_KEY">): DaytonaSettings {
  if (!env.DAYTONA_API_URL || !env.DAYTONA_API_KEY) {
    throw new AppError("unavailable", "No sandbox provider is configured (DAYTONA_API_URL and DAYTONA_API_KEY)");
  }
  return { apiUrl: env.DAYTONA_API_URL, apiKey: env.DAYTONA_API_KEY };
}

/** Creates the Daytona-backed provider. */
export function daytonaProvider(settings: DaytonaSettings): SandboxProvider {
  const daytona = client(settings);
  return {
    async create(spec: SandboxSpec) {
      const labels = Object.fromEntries(Object.entries(spec.labels).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >;
      try {
        // Not retried: a create that timed out may still have produced a sandbox; the caller's labels find it.
        const sandbox = await daytona.create(
          {
            language: "python",
            labels,
            envVars: spec.env ?? {},
            autoStopInterval: spec.autoStopMinutes ?? 15,
            autoDeleteInterval: spec.autoDeleteMinutes ?? 60,
            ...(spec.snapshot ? { snapshot: spec.snapshot } : {}),
            ...(spec.resources ? { resources: spec.resources } : {}),
          } as Parameters<Daytona["create"]>[0],
          { timeout: 120 },
        );
        return wrap(sandbox, settings);
      } catch (err) {
        throw toSandboxError(err, "create a sandbox");
      }
    },
    async get(id: string) {
      const sandbox = await withSandboxRetries("find the sandbox", () => daytona.get(id));
      if (sandbox.state !== "started") {
        await withSandboxRetries("start the sandbox", () => sandbox.start(120));
      }
      return wrap(sandbox, settings);
    },
    async remove(id: string) {
      try {
        const sandbox = await withSandboxRetries("find the sandbox", () => daytona.get(id));
        await withSandboxRetries("delete the sandbox", () => sandbox.delete(60));
      } catch (err) {
        if (!isGone(err)) throw err;
      }
    },
  };
}

/** Already gone is what a delete wants. */
function isGone(err: unknown): boolean {
  return (err as AppError).code === "not_found";
}

function wrap(sandbox: Sandbox, settings: DaytonaSettings): SandboxHandle {
  const toolbox = `${sandbox.toolboxProxyUrl.replace(/\/?$/, "/")}${encodeURIComponent(sandbox.id)}`;
  return {
    id: sandbox.id,
    async exec(command, options = {}): Promise<CommandResult> {
      try {
        const res = await sandbox.process.executeCommand(command, options.cwd, undefined, options.timeoutSeconds);
        return { exitCode: res.exitCode, output: res.result };
      } catch (err) {
        throw toSandboxError(err, "run a command in the sandbox");
      }
    },
    async upload(path, body) {
      const res = await fetch(`${toolbox}/files/upload-v2?path=${encodeURIComponent(path)}`, {
        method: "POST",
        headers: { authorization: `Bearer ${settings.apiKey}`, "content-type": "application/octet-stream" },
        body,
      }).catch((err: unknown) => {
        throw toSandboxError(err, `upload ${path}`);
      });
      if (!res.ok) {
        const detail = await res.text().catch(() => "");
        throw toSandboxError({ statusCode: res.status, message: detail.slice(0, 300) }, `upload ${path}`);
      }
      await res.body?.cancel();
    },
    async previewLink(port): Promise<PreviewLink> {
      const link = await withSandboxRetries("get the preview link", () => sandbox.getPreviewLink(port));
      return { url: link.url, token: link.token };
    },
    start: () => withSandboxRetries("start the sandbox", () => sandbox.start(120)),
    stop: () => withSandboxRetries("stop the sandbox", () => sandbox.stop(60)),
    async delete() {
      try {
        await withSandboxRetries("delete the sandbox", () => sandbox.delete(60));
      } catch (err) {
        if (!isGone(err)) throw err;
      }
    },
  };
}
