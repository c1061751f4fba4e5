/**
 * {@link SandboxProvider} over the official `@daytonaio/sdk`, inside the Worker. Two deliberate departures from the
 * SDK's defaults (DESIGN §4.3): the client is created with `useDeprecatedPolling` and cached per isolate, because its
 * default constructor opens a socket.io connection at once; and file uploads go straight to the toolbox's
 * `files/upload-v2` endpoint with `fetch`, streaming, because the SDK's upload buffers the whole file as multipart and,
 * in serverless runtimes, does not check the response status. Daemons older than 2026-07 lack `upload-v2`; their
 * `files/upload` gets the same stream as a one-part multipart body.
 *
 * Real Daytona is stricter than a sandbox that is simply "started" or not (reference/daytona-production.md §3):
 * every sandbox is created with egress blocked, `get` waits out transitions, recovers an `error` sandbox and reports
 * one being deleted as gone (the caller then creates a new one), and a delete that meets a deletion counts as done.
 */
import { Daytona, type Sandbox } from "@daytonaio/sdk";
import { AppError } from "../errors";
import { isRetryableSandboxError, sandboxStatus, toSandboxError, withSandboxRetries } from "./errors";
import { isBeingDeleted, lifecycleStep, pollDelayMs, TRANSITION_WAIT_MS } from "./lifecycle";
import type { CommandResult, PreviewLink, SandboxHandle, SandboxProvider, SandboxSpec } from "./provider";
import { multipartUpload } from "./upload-body";

export interface DaytonaSettings {
  apiUrl: string;
  apiKey: string;
}

const clients = new Map<string, Daytona>();

/** Where the upload-route probe writes its empty file: the sandbox user's home, which every daemon accepts. */
const UPLOAD_PROBE = "/home/daytona/.fleet-upload-probe";

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

/** What the provider needs of the SDK client; tests pass a stand-in. */
export type DaytonaClient = Pick<Daytona, "create" | "get">;

/** The provider's I/O, injectable for tests. */
export interface DaytonaDeps {
  client?: DaytonaClient;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Creates the Daytona-backed provider. */
export function daytonaProvider(settings: DaytonaSettings, deps: DaytonaDeps = {}): SandboxProvider {
  const daytona = deps.client ?? client(settings);
  const io: Io = {
    fetch: deps.fetch ?? ((input, init) => fetch(input, init)),
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: deps.now ?? Date.now,
  };
  return {
    async create(spec: SandboxSpec) {
      const labels = definedLabels(spec.labels);
      try {
        // Not retried: a create that timed out may still have produced a sandbox; the caller's labels find it.
        const sandbox = await daytona.create(
          {
            language: "python",
            labels,
            envVars: spec.env ?? {},
            autoStopInterval: spec.autoStopMinutes ?? 15,
            autoDeleteInterval: spec.autoDeleteMinutes ?? 60,
            ...(spec.autoArchiveMinutes !== undefined ? { autoArchiveInterval: spec.autoArchiveMinutes } : {}),
            // Daytona's default is open egress; model-written code next to tenant data gets none (the bridge needs
            // none), or only the hosts its tenant allowed, as a default-deny domain allow list.
            ...(spec.egressHosts?.length ? { domainAllowList: spec.egressHosts.join(",") } : { networkBlockAll: true }),
            ...(spec.snapshot ? { snapshot: spec.snapshot } : {}),
            ...(spec.resources ? { resources: spec.resources } : {}),
          } as Parameters<Daytona["create"]>[0],
          { timeout: 120 },
        );
        return wrap(sandbox, settings, io);
      } catch (err) {
        throw toSandboxError(err, "create a sandbox");
      }
    },
    async get(id: string) {
      const sandbox = await withSandboxRetries("find the sandbox", () => daytona.get(id));
      const revived = sandbox.state !== "started";
      await settle(sandbox, io);
      return { ...wrap(sandbox, settings, io), revived };
    },
    async remove(id: string) {
      try {
        const sandbox = await withSandboxRetries("find the sandbox", () => daytona.get(id));
        await deleteSandbox(sandbox, io);
      } catch (err) {
        if (!isGone(err)) throw err;
      }
    },
  };
}

function definedLabels(labels: SandboxSpec["labels"]): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => e[1] !== undefined));
}

interface Io {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

/** Already gone is what a delete wants. */
function isGone(err: unknown): boolean {
  return (err as AppError).code === "not_found";
}

/**
 * Brings a sandbox to `started`: starts a stopped or archived one, recovers one in `error`, waits out a transition
 * (bounded), and reports one being deleted, or one that cannot recover, as `not_found` so the caller replaces it.
 */
async function settle(sandbox: Sandbox, io: Io): Promise<void> {
  const deadline = io.now() + TRANSITION_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const step = lifecycleStep(sandbox.state, sandbox.recoverable ?? true);
    if (step === "ready") return;
    if (step === "gone") {
      throw new AppError("not_found", `The sandbox is ${sandbox.state ?? "gone"}; a new one is needed`);
    }
    if (io.now() > deadline) {
      throw new AppError("timeout", `The sandbox stayed '${sandbox.state}' for ${TRANSITION_WAIT_MS / 1000} s`);
    }
    try {
      if (step === "start") await sandbox.start(120);
      else if (step === "recover") await sandbox.recover(120);
      else await io.sleep(pollDelayMs(attempt));
    } catch (err) {
      const status = sandboxStatus(err);
      // 409: another state change is under way (an auto-stop raced us); look again. A refused recover is final.
      if (step === "recover" && status !== undefined && status < 500 && status !== 409 && status !== 429) {
        throw new AppError("not_found", "The sandbox failed and cannot be recovered; a new one is needed", {
          cause: err,
        });
      }
      if (status !== 409 && !isRetryableSandboxError(err)) {
        throw toSandboxError(err, step === "start" ? "start the sandbox" : "recover the sandbox");
      }
      await io.sleep(pollDelayMs(attempt));
    }
    await withSandboxRetries("check the sandbox", () => sandbox.refreshData());
  }
}

/** Deletes a sandbox; a second delete, or one during a deletion, answers 409 on Daytona and counts as done. */
async function deleteSandbox(sandbox: Sandbox, io: Io): Promise<void> {
  const deadline = io.now() + TRANSITION_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await sandbox.delete(60);
      return;
    } catch (err) {
      const status = sandboxStatus(err);
      if (status === 404) return;
      if (status !== 409 && !isRetryableSandboxError(err)) throw toSandboxError(err, "delete the sandbox");
      if (io.now() > deadline) throw toSandboxError(err, "delete the sandbox");
    }
    await io.sleep(pollDelayMs(attempt));
    try {
      await sandbox.refreshData();
    } catch (err) {
      if (sandboxStatus(err) === 404) return;
      throw toSandboxError(err, "delete the sandbox");
    }
    if (isBeingDeleted(sandbox.state)) return;
  }
}

/** Which upload route a sandbox's daemon has; unknown until the first upload finds out. */
type UploadRoute = "v2" | "multipart" | undefined;

function wrap(sandbox: Sandbox, settings: DaytonaSettings, io: Io): SandboxHandle {
  const toolbox = `${sandbox.toolboxProxyUrl.replace(/\/?$/, "/")}${encodeURIComponent(sandbox.id)}`;
  let route: UploadRoute;
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
      const auth = { authorization: `Bearer ${settings.apiKey}` };
      const send = async (url: string, init: RequestInit): Promise<Response> =>
        io.fetch(url, { method: "POST", redirect: "manual", ...init }).catch((err: unknown) => {
          throw toSandboxError(err, `upload ${path}`);
        });
      // A stream can be sent once: when the route is unknown, an empty upload finds it first.
      if (route === undefined && body instanceof ReadableStream) {
        const probe = await send(`${toolbox}/files/upload-v2?path=${encodeURIComponent(UPLOAD_PROBE)}`, {
          headers: { ...auth, "content-type": "application/octet-stream" },
          body: "",
        });
        await probe.body?.cancel();
        route = probe.status === 404 ? "multipart" : "v2";
      }
      let res: Response | undefined;
      if (route !== "multipart") {
        res = await send(`${toolbox}/files/upload-v2?path=${encodeURIComponent(path)}`, {
          headers: { ...auth, "content-type": "application/octet-stream" },
          body,
        });
        if (res.status === 404 && route === undefined) {
          await res.body?.cancel();
          res = undefined;
          route = "multipart";
        } else {
          route = "v2";
        }
      }
      if (!res) {
        const multipart = multipartUpload(path, body);
        res = await send(`${toolbox}/files/upload?path=${encodeURIComponent(path)}`, {
          headers: { ...auth, "content-type": multipart.contentType },
          body: multipart.body,
        });
      }
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
    async setLabels(labels) {
      await withSandboxRetries("label the sandbox", () => sandbox.setLabels(definedLabels(labels)));
    },
    start: () => withSandboxRetries("start the sandbox", () => sandbox.start(120)),
    stop: () => withSandboxRetries("stop the sandbox", () => sandbox.stop(60)),
    delete: () => deleteSandbox(sandbox, io),
  };
}
