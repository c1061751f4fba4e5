/**
 * A real round trip through the sandbox provider: create, start the REPL, run trivial statements, optionally stream
 * a generated context in, delete. Used by the diagnostics route and the sandbox benchmark; reports where it failed.
 */
import { isAppError } from "../errors";
import type { SandboxProvider } from "./provider";
import { replSandboxes, type WarmSource } from "./repl-sandboxes";
import { ReplSession } from "./repl-session";

export interface SmokeOptions {
  execs: number;
  contextMb: number;
  /** Idle milliseconds before each timed statement (not timed). */
  pauseMs?: number;
}

export interface SmokeReport {
  ok: boolean;
  /** The stage that failed, when one did. */
  failedAt?: "create" | "start_repl" | "exec" | "ingest" | "delete";
  error?: { code: string; message: string };
  createMs?: number;
  startReplMs?: number;
  execMs?: number[];
  ingest?: { bytes: number; ms: number; mbPerSecond: number };
  deleteMs?: number;
}

/** Generated text streamed in 1 MiB blocks, so the Worker never holds the context. */
export function generatedText(bytes: number): ReadableStream<Uint8Array> {
  const block = new TextEncoder().encode("0123456789abcdef".repeat(65_536));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const size = Math.min(block.length, bytes - sent);
      sent += size;
      controller.enqueue(size === block.length ? block.slice() : block.slice(0, size));
    },
  });
}

export async function sandboxSmoke(
  provider: SandboxProvider,
  tenant: string,
  options: SmokeOptions,
): Promise<SmokeReport> {
  const report: SmokeReport = { ok: false };
  let stage: NonNullable<SmokeReport["failedAt"]> = "create";
  let t = Date.now();
  const lap = () => {
    const ms = Date.now() - t;
    t = Date.now();
    return ms;
  };
  const sandbox = await provider.create({ labels: { tenant, run: "diagnostics" } }).catch((err: unknown) => {
    report.failedAt = stage;
    report.error = describe(err);
    return null;
  });
  if (!sandbox) return report;
  report.createMs = lap();
  try {
    stage = "start_repl";
    const repl = await ReplSession.start(sandbox);
    report.startReplMs = lap();
    stage = "exec";
    report.execMs = [];
    for (let i = 0; i < options.execs; i++) {
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      const started = performance.now();
      const done = await repl.exec("x = 1");
      report.execMs.push(performance.now() - started);
      if (done.error) throw new Error(`${done.error.type}: ${done.error.message}`);
    }
    if (options.contextMb > 0) {
      stage = "ingest";
      const bytes = Math.round(options.contextMb * 1024 * 1024);
      const started = performance.now();
      const info = await repl.loadContext(generatedText(bytes), { name: "context", format: "text" });
      const ms = performance.now() - started;
      if (info.bytes !== bytes) throw new Error(`loaded ${info.bytes} of ${bytes} bytes`);
      report.ingest = { bytes, ms, mbPerSecond: bytes / 1024 / 1024 / (ms / 1000) };
    }
    report.ok = true;
  } catch (err) {
    report.failedAt = stage;
    report.error = describe(err);
  }
  lap();
  try {
    await sandbox.delete();
    report.deleteMs = lap();
  } catch (err) {
    report.ok = false;
    report.failedAt ??= "delete";
    report.error ??= describe(err);
  }
  return report;
}

function describe(err: unknown): { code: string; message: string } {
  if (isAppError(err)) return { code: err.code, message: err.message };
  return { code: "internal", message: err instanceof Error ? err.message : String(err) };
}

/** How a first-block smoke gets its sandbox: created from the default image, from a snapshot, or from the pool. */
export type StartMode = "cold" | "snapshot" | "warm";

export interface FirstBlockReport {
  /** How the sandbox was actually had (`warm` falls back to `cold` when the pool is empty). */
  start: "cold" | "warm";
  /** From asking for a sandbox to a REPL that answers. */
  readyMs: number;
  /** From asking for a sandbox to the first block's result: what a run waits before its first block runs. */
  firstBlockMs: number;
}

/**
 * Times what a run pays before its first block runs, as a run gets its sandbox (`replSandboxes`), then deletes it.
 * Throws the provider's error when it cannot get one.
 */
export async function firstBlockSmoke(
  provider: SandboxProvider,
  tenant: string,
  options: { snapshot?: string; warm?: WarmSource },
): Promise<FirstBlockReport> {
  const started = performance.now();
  const sandboxes = replSandboxes(
    provider,
    { labels: { tenant }, snapshot: options.snapshot },
    { warm: options.warm, preinstalled: Boolean(options.snapshot) },
  );
  const opened = await sandboxes.open({ run: "diagnostics", depth: 0 });
  try {
    const readyMs = performance.now() - started;
    const done = await opened.repl.exec("x = 1");
    if (done.error) throw new Error(`${done.error.type}: ${done.error.message}`);
    return { start: opened.start, readyMs, firstBlockMs: performance.now() - started };
  } finally {
    await opened.dispose().catch(() => {});
  }
}
