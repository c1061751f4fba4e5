/**
 * The host side of the REPL bridge: starts `repl_server.py` in a sandbox, loads contexts into it once, runs code, and
 * answers the code's host calls (`llm_query` …) through a handler the caller passes in. Speaks the contract in
 * `worker/contracts/repl.ts` through the sandbox's preview URL.
 */
import {
  type CallbackCall,
  type CallbackResult,
  type ContextInfo,
  ContextInfo as ContextInfoSchema,
  type ExecDone,
  ExecReply,
  type LoadContextRequest,
  REPL_PORT,
  REPL_SECRET_HEADER,
  REPL_SERVER_PATH,
  ReplHealth,
  RestoreReply,
  SnapshotReply,
  VarReply,
} from "../contracts/repl";
import { AppError, isAppError } from "../errors";
import type { CommandResult, PreviewLink, SandboxHandle } from "./provider";

/** Answers one host call from sandbox code; throw a {@link HostCallFailure} to raise a specific Python exception. */
export type CallbackHandler = (call: CallbackCall) => Promise<unknown>;

/** A host-call failure with the Python exception type to raise (`budget_exhausted`, `cancelled`, …). */
export class HostCallFailure extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

export interface ExecOptions {
  timeoutMs?: number;
  maxOutputChars?: number;
  onCallback?: CallbackHandler;
  /** Aborting stops waiting and interrupts the running code. */
  signal?: AbortSignal;
  /** The longest one poll is held, {@link POLL_BOUND_MS} unless set (tests shorten it). */
  pollMs?: number;
}

/**
 * The longest one poll of an exec is held open. Nothing in Daytona's proxy chain bounds a held response, but a cloud
 * front door may cut one that sends nothing for a minute or more; a long block is a series of polls this long.
 */
export const POLL_BOUND_MS = 25_000;
/** Polls repeated after a lost connection or a gateway error: the REPL keeps the exec, so asking again is safe. */
const POLL_RETRIES = 3;
/** Statuses of a proxy or front door that lost the response, not of the REPL: 502, 503, 504 and Cloudflare's 524. */
const GATEWAY_STATUSES = new Set([502, 503, 504, 524]);

/** How long an interrupted exec may take to wind down before the host stops waiting for it. */
const INTERRUPT_GRACE_MS = 5_000;
/** Thirty seconds: a cold sandbox needs a moment for Python to import and bind. */
const START_TIMEOUT_MS = 30_000;
const SERVER_DIR = REPL_SERVER_PATH.slice(0, REPL_SERVER_PATH.lastIndexOf("/"));
/** The launch's exit status when a snapshot's copy of the server is missing or another version. */
const STALE_SERVER_EXIT = 3;

let server: Promise<{ source: string; sha256: string }> | undefined;

/**
 * The REPL server's source and its SHA-256, loaded on first use so that tools which only need the route schemas (the
 * OpenAPI generator) never load it.
 */
export function replServer(): Promise<{ source: string; sha256: string }> {
  server ??= import("./python/repl_server.py").then(async ({ default: source }) => {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(source));
    const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    return { source, sha256 };
  });
  return server;
}

/** A running REPL server in one sandbox. */
export class ReplSession {
  private constructor(
    readonly sandbox: SandboxHandle,
    private readonly secret: string,
    private link: PreviewLink,
  ) {}

  /**
   * Starts the server with a fresh secret and waits until it answers. With `preinstalled` (the sandbox came from a
   * snapshot that may hold the server) the launch first checks that the installed copy is this exact version and
   * uploads only when it is not, so a current snapshot saves the upload and a stale one still works.
   */
  static async start(
    sandbox: SandboxHandle,
    options: { startTimeoutMs?: number; preinstalled?: boolean } = {},
  ): Promise<ReplSession> {
    const secret = randomSecret();
    const server = await replServer();
    const launch = `cd ${SERVER_DIR} && FLEET_REPL_SECRET=${secret} nohup python3 ${REPL_SERVER_PATH} > ${SERVER_DIR}/repl.log 2>&1 &`;
    let started: CommandResult | undefined;
    if (options.preinstalled) {
      const check = `echo "${server.sha256}  ${REPL_SERVER_PATH}" | sha256sum -c --status - || exit ${STALE_SERVER_EXIT}`;
      started = await sandbox.exec(`sh -c '${check}; ${launch}'`, { timeoutSeconds: 30 });
      if (started.exitCode === STALE_SERVER_EXIT) started = undefined;
    }
    if (!started) {
      await sandbox.upload(REPL_SERVER_PATH, server.source);
      started = await sandbox.exec(`sh -c '${launch}'`, { timeoutSeconds: 30 });
    }
    if (started.exitCode !== 0) {
      throw new AppError("sandbox_failed", "Could not start the Python REPL in the sandbox", {
        internal: started.output.slice(0, 500),
      });
    }
    const session = new ReplSession(sandbox, secret, await sandbox.previewLink(REPL_PORT));
    await session.waitUntilHealthy(options.startTimeoutMs ?? START_TIMEOUT_MS);
    return session;
  }

  /** Re-attaches to a server started earlier (e.g. by a Durable Object before it was evicted). */
  static async attach(sandbox: SandboxHandle, secret: string): Promise<ReplSession> {
    return new ReplSession(sandbox, secret, await sandbox.previewLink(REPL_PORT));
  }

  /** The secret, for callers that persist it to re-attach later. It never leaves the host. */
  get credentials(): string {
    return this.secret;
  }

  health(): Promise<ReplHealth> {
    return this.request("GET", "/health").then((body) => ReplHealth.parse(body));
  }

  /**
   * Uploads a context (streamed when given a stream) and binds it to a variable, once. Later execs reference the
   * variable; the bytes are never sent again.
   */
  async loadContext(
    body: ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> | string,
    options: Omit<LoadContextRequest, "path"> & { fileName?: string } = {},
  ): Promise<ContextInfo> {
    const name = options.name ?? "context";
    const path = `${SERVER_DIR}/contexts/${options.fileName ?? `${name}.${options.format === "json" ? "json" : "txt"}`}`;
    await this.sandbox.upload(path, body);
    const info = await this.request("POST", "/context", { path, name, format: options.format ?? "auto" });
    return ContextInfoSchema.parse(info);
  }

  /**
   * Runs code to completion, serving its host calls; returns output, error and any final answer it set. Aborting
   * `signal` interrupts the code (it ends with `CancelledError`, the namespace intact); if the sandbox does not
   * answer within {@link INTERRUPT_GRACE_MS} the request itself is abandoned.
   */
  async exec(code: string, options: ExecOptions = {}): Promise<ExecDone> {
    const { signal } = options;
    const abandon = new AbortController();
    let grace: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      void this.request("POST", "/interrupt").catch(() => {});
      grace = setTimeout(() => abandon.abort(), INTERRUPT_GRACE_MS);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const execId = crypto.randomUUID();
      const body = {
        code,
        timeoutMs: options.timeoutMs ?? 60_000,
        maxOutputChars: options.maxOutputChars ?? 100_000,
        execId,
        waitMs: options.pollMs ?? POLL_BOUND_MS,
      };
      const waitMs = body.waitMs;
      let reply = await this.poll("/exec", body, abandon.signal);
      while (reply.status !== "done") {
        if (reply.status === "running") {
          reply = await this.poll("/resume", { results: [], execId, waitMs }, abandon.signal);
          continue;
        }
        const results = await Promise.all(reply.calls.map((call) => answer(call, options.onCallback)));
        // After an interrupt the server has already failed these calls; an empty resume re-attaches to the exec.
        const resume = signal?.aborted ? { results: [], execId, waitMs } : { results, waitMs };
        reply = await this.poll("/resume", resume, abandon.signal);
      }
      return reply;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      clearTimeout(grace);
    }
  }

  /**
   * One poll of an exec. A connection lost on the way, or a gateway error, is asked again: `/exec` carries its id and
   * answers already given are ignored, so a repeat never runs code or a host call twice.
   */
  private async poll(path: "/exec" | "/resume", body: unknown, signal: AbortSignal): Promise<ExecReply> {
    let first: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        return ExecReply.parse(await this.request("POST", path, body, signal));
      } catch (err) {
        const lost = isAppError(err) && (err.details as { lost?: boolean } | undefined)?.lost === true;
        if (!lost || signal.aborted) throw err;
        // The first failure says why (e.g. the OOM killer ended the REPL); later ones only that nothing answers.
        first ??= err;
        if (attempt >= POLL_RETRIES) throw first;
      }
    }
  }

  /** Reads a variable as text, for `FINAL_VAR(name)` written in a response rather than called in code. */
  async readVariable(name: string): Promise<VarReply> {
    return VarReply.parse(await this.request("POST", "/var", { name }));
  }

  /** The variables that can be kept beyond this sandbox, pickled (an exec must not be running). */
  async snapshot(): Promise<{ data: Uint8Array<ArrayBuffer>; saved: string[]; skipped: SnapshotReply["skipped"] }> {
    const reply = SnapshotReply.parse(await this.request("POST", "/snapshot"));
    const data = Uint8Array.from(atob(reply.data), (c) => c.charCodeAt(0));
    return { data, saved: reply.saved, skipped: reply.skipped };
  }

  /** Loads variables from a {@link snapshot} into this REPL; the file goes up as bytes, not through JSON. */
  async restore(data: Uint8Array<ArrayBuffer>): Promise<RestoreReply> {
    const path = `${SERVER_DIR}/snapshots/${crypto.randomUUID()}.pickle`;
    await this.sandbox.upload(path, data);
    return RestoreReply.parse(await this.request("POST", "/restore", { path }));
  }

  private async waitUntilHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 50;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        await this.health();
        return;
      } catch (err) {
        lastError = err;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 1_000);
      }
    }
    const log = await this.sandbox.exec(`tail -c 2000 ${SERVER_DIR}/repl.log`).catch(() => ({ output: "" }));
    throw new AppError("sandbox_failed", "The Python REPL did not come up in the sandbox", {
      internal: `${String(lastError)}\n${log.output}`,
    });
  }

  private async send(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
    try {
      return await fetch(`${this.link.url.replace(/\/$/, "")}${path}`, {
        method,
        headers: {
          "content-type": "application/json",
          "x-daytona-preview-token": this.link.token,
          "x-daytona-skip-preview-warning": "true",
          [REPL_SECRET_HEADER]: this.secret,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        // Never follow: a redirect here is the proxy's login page, not the REPL's answer.
        redirect: "manual",
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw new AppError("conflict", "The execution was cancelled", { cause: err });
      throw new AppError("sandbox_failed", "Lost the connection to the sandbox's Python process", {
        internal: `${method} ${path}: ${String(err)}`,
        details: { lost: true },
        cause: err,
      });
    }
  }

  private async request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    let res = await this.send(method, path, body, signal);
    // Real Daytona answers a stale preview token (every start rotates it) with a 307 to its login page, or a 401:
    // the request never reached the REPL, so it is sent once more with a fresh link.
    if (await isStaleLink(res)) {
      await res.body?.cancel();
      this.link = await this.sandbox.previewLink(REPL_PORT);
      res = await this.send(method, path, body, signal);
      if (await isStaleLink(res)) {
        await res.body?.cancel();
        throw new AppError("sandbox_failed", `The sandbox refused its preview link twice (HTTP ${res.status})`, {
          internal: `${method} ${path}: ${res.headers.get("location") ?? ""}`,
        });
      }
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        // Not JSON: a proxy error page.
      }
      throw new AppError("sandbox_failed", `The sandbox REPL answered ${res.status}: ${message}`, {
        internal: `${method} ${path}`,
        ...(GATEWAY_STATUSES.has(res.status) ? { details: { lost: true } } : {}),
      });
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new AppError("sandbox_failed", "The sandbox REPL sent a malformed reply", { internal: text.slice(0, 300) });
    }
  }
}

/**
 * A redirect (to a login page), or a 401 from the proxy: the preview token is no longer valid. A 401 from the REPL
 * itself (`{"error":{"code":"unauthorized"}}`: a wrong REPL secret) is not a stale link and is reported as it is.
 */
async function isStaleLink(res: Response): Promise<boolean> {
  if (res.status >= 300 && res.status < 400) return true;
  if (res.status !== 401) return false;
  try {
    const body = (await res.clone().json()) as { error?: { code?: unknown } };
    return body.error?.code !== "unauthorized";
  } catch {
    return true;
  }
}

async function answer(call: CallbackCall, handler: CallbackHandler | undefined): Promise<CallbackResult> {
  if (!handler) return { id: call.id, error: { type: "host_error", message: `no host function '${call.fn}'` } };
  try {
    return { id: call.id, value: await handler(call) };
  } catch (err) {
    if (err instanceof HostCallFailure) return { id: call.id, error: { type: err.type, message: err.message } };
    const message = isAppError(err) ? err.message : "the host failed to answer this call";
    return { id: call.id, error: { type: "host_error", message } };
  }
}

function randomSecret(): string {
  return [...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
