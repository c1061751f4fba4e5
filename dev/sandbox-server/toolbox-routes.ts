import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import type { RouteContext } from "./api-routes";
import { validationMessage } from "./api-routes";
import { UploadTarget } from "./files";
import { ApiError, readJson, sendJson } from "./http-util";
import { MultipartParser, multipartBoundary, type PartSink } from "./multipart";
import { ExecFailure } from "./sandbox-process";
import { oomMessage, type Sandbox } from "./sandbox-store";

/** Body of `POST {toolbox}/{id}/process/execute`. */
const ExecuteBody = z.object({
  command: z.string().min(1),
  timeout: z.number().int().min(0).max(86_400).optional(),
  cwd: z.string().optional(),
  envs: z.record(z.string(), z.string()).optional(),
});

/** Bytes of a `files[i].path` text part we accept. */
const MAX_PATH_PART = 4096;

/** Dispatches `/toolbox/{id}/...` (files and process calls of the SDK). */
export async function handleToolbox(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL) {
  const m = /^\/toolbox\/([^/]+)\/(.+?)\/?$/.exec(url.pathname);
  if (!m?.[1] || !m[2]) throw new ApiError(404, `Cannot ${req.method} ${url.pathname}`);
  const route = `${req.method} ${m[2]}`;
  const handler = {
    "POST files/bulk-upload": bulkUpload,
    "POST files/upload-v2": uploadV2,
    "POST files/upload": uploadMultipart,
    "POST process/execute": execute,
  }[route];
  if (!handler) throw new ApiError(404, `Cannot ${req.method} ${url.pathname}`);
  const sb = ctx.store.running(decodeURIComponent(m[1]));
  if (handler === uploadV2 && ctx.faults.for(sb.meta.id, sb.meta.labels).noUploadV2) {
    // A daemon before 2026-07 (v0.190.0 apps/daemon/pkg/toolbox/server.go) has no such route: gin's plain 404.
    req.resume();
    res.writeHead(404, { "content-type": "text/plain", "content-length": 18 });
    res.end("404 page not found");
    return;
  }
  await handler(sb, req, res, url, ctx);
}

/** A sink that keeps a small text part (a destination path). */
class TextSink implements PartSink {
  text = "";
  write(chunk: Buffer) {
    if (this.text.length + chunk.length > MAX_PATH_PART) throw new ApiError(400, "multipart text field too long");
    this.text += chunk.toString("utf8");
  }
  end() {}
}

const discard: PartSink = { write() {}, end() {} };

/** SDK `fs.uploadFile(s)`: parts `files[i].path` (destination) and `files[i].file` (bytes), streamed to disk. */
async function bulkUpload(sb: Sandbox, req: IncomingMessage, res: ServerResponse) {
  const boundary = multipartBoundary(req.headers["content-type"]);
  if (!boundary) throw new ApiError(400, "expected multipart/form-data");
  const paths = new Map<string, TextSink>();
  const targets = new Map<string, UploadTarget>();
  const parser = new MultipartParser(boundary, (part) => {
    const f = /^files\[(\d+)\]\.(path|file)$/.exec(part.name);
    if (!f?.[1]) return discard;
    if (f[2] === "path") {
      const sink = new TextSink();
      paths.set(f[1], sink);
      return sink;
    }
    const target = new UploadTarget(sb.files);
    targets.set(f[1], target);
    return target;
  });
  try {
    await pipeline(req, parser).catch(rethrowAsBadRequest);
    const files: Array<{ path: string; bytes: number }> = [];
    for (const [i, target] of targets) {
      const dest = paths.get(i)?.text;
      if (!dest) throw new ApiError(400, `files[${i}].path is missing`);
      await target.commit(dest);
      files.push({ path: dest, bytes: target.bytes });
    }
    sendJson(res, 200, { files });
  } finally {
    await Promise.all([...targets.values()].map((t) => t.discard()));
  }
}

/** `files/upload-v2?path=`: the raw body (or a multipart `file` field) streamed to one file. */
async function uploadV2(sb: Sandbox, req: IncomingMessage, res: ServerResponse, url: URL) {
  const dest = requiredPath(url);
  const boundary = multipartBoundary(req.headers["content-type"]);
  const bytes = await receive(sb, dest, req, boundary);
  sendJson(res, 200, { name: path.posix.basename(dest), path: dest, type: "file", bytes });
}

/**
 * `files/upload?path=`, the older daemons' route (v0.190.0 apps/daemon/pkg/toolbox/fs/upload_file.go): a multipart
 * `file` field, streamed to disk; answers an empty 200.
 */
async function uploadMultipart(sb: Sandbox, req: IncomingMessage, res: ServerResponse, url: URL) {
  const dest = requiredPath(url);
  const boundary = multipartBoundary(req.headers["content-type"]);
  if (!boundary) throw new ApiError(400, "request Content-Type isn't multipart/form-data");
  await receive(sb, dest, req, boundary);
  res.writeHead(200, { "content-length": 0 });
  res.end();
}

function requiredPath(url: URL): string {
  const dest = url.searchParams.get("path");
  if (!dest) throw new ApiError(400, "query parameter path is required");
  return dest;
}

/** Streams one file to `dest`: the multipart `file` field when there is a boundary, else the raw body. */
async function receive(sb: Sandbox, dest: string, req: IncomingMessage, boundary: string | undefined) {
  const target = new UploadTarget(sb.files);
  try {
    if (boundary) {
      let seen = false;
      const parser = new MultipartParser(boundary, (part) => {
        if (part.name !== "file" || seen) return discard;
        seen = true;
        return target;
      });
      await pipeline(req, parser).catch(rethrowAsBadRequest);
      if (!seen) throw new ApiError(400, "multipart body has no file field");
    } else {
      for await (const chunk of req) await target.write(chunk as Buffer);
      await target.end();
    }
    await target.commit(dest);
    return target.bytes;
  } finally {
    await target.discard();
  }
}

function rethrowAsBadRequest(e: unknown): never {
  if (e instanceof ApiError) throw e;
  const err = e as NodeJS.ErrnoException;
  if (err.code === "EFBIG") throw new ApiError(400, "upload exceeds the sandbox file size limit");
  if (err.code === "ERR_STREAM_PREMATURE_CLOSE" || err.code === "ECONNRESET") throw err;
  throw new ApiError(400, `bad multipart body: ${err.message}`);
}

/** `process/execute`: `sh -c command` inside the sandbox; `{exitCode, result}` with stdout and stderr combined. */
async function execute(sb: Sandbox, req: IncomingMessage, res: ServerResponse, _url: URL, ctx: RouteContext) {
  const parsed = ExecuteBody.safeParse(await readJson(req));
  if (!parsed.success) throw new ApiError(400, validationMessage(parsed.error));
  const { command, timeout, cwd, envs } = parsed.data;
  const limits = ctx.limits;
  const oomBefore = ctx.store.oomKills(sb);
  try {
    const r = await sb.proc?.exec(
      {
        command,
        cwd,
        env: envs,
        timeoutSec: timeout || limits.execTimeoutSec,
        untilEof: ctx.faults.for(sb.meta.id, sb.meta.labels).outputEof,
      },
      limits.maxOutputBytes,
    );
    if (!r) throw new ApiError(409, "Sandbox is not started");
    // Daytona returns 137 for a command the OOM killer ended; the note says why, as a shell's "Killed" would.
    const killed = ctx.store.oomKills(sb) - oomBefore;
    const result = killed
      ? `${r.result}${r.result.endsWith("\n") || !r.result ? "" : "\n"}[${oomMessage(killed, sb.cgroup)}]\n`
      : r.result;
    sendJson(res, 200, { exitCode: r.exitCode, result });
  } catch (e) {
    if (!(e instanceof ExecFailure)) throw e;
    if (e.kind === "timeout") {
      throw new ApiError(408, e.message, { code: "PROCESS_EXECUTION_TIMEOUT", source: "DAYTONA_DAEMON" });
    }
    if (e.kind === "cwd") throw new ApiError(400, e.message);
    if (e.kind === "gone") throw new ApiError(409, `Sandbox stopped while the command ran: ${e.message}`);
    throw new ApiError(503, e.message);
  }
}
