import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chown, mkdir, realpath, rename, rm } from "node:fs/promises";
import path from "node:path";
import { ApiError } from "./http-util";
import type { PartSink } from "./multipart";

/** The home directory every sandbox sees; uploads must land inside it. */
export const SANDBOX_HOME = "/home/daytona";

/** Where a sandbox's files live on the host and who owns them. */
export interface SandboxFiles {
  /** Host directory mounted at {@link SANDBOX_HOME}. */
  homeDir: string;
  /** Host scratch directory (same filesystem, invisible to the sandbox) for in-flight uploads. */
  tmpDir: string;
  /** Owner to give new files when the server runs as root and the sandbox as its own uid. */
  owner?: { uid: number; gid: number };
}

/**
 * Maps a sandbox path (absolute under /home/daytona, or relative to it) to its host path. Anything that would leave
 * the home directory is a 400: dev sandboxes only share their home with the host.
 */
export function hostPathFor(files: SandboxFiles, sandboxPath: string | null | undefined): string {
  if (!sandboxPath) throw new ApiError(400, "path is required");
  const abs = path.posix.resolve(SANDBOX_HOME, sandboxPath);
  if (abs !== SANDBOX_HOME && !abs.startsWith(`${SANDBOX_HOME}/`)) {
    throw new ApiError(400, `path ${sandboxPath} is outside ${SANDBOX_HOME}; dev sandboxes only accept uploads there`);
  }
  if (abs === SANDBOX_HOME) throw new ApiError(400, `path ${sandboxPath} is a directory`);
  return path.join(files.homeDir, abs.slice(SANDBOX_HOME.length + 1));
}

/**
 * Creates the parent directories of `hostPath` and checks that, after resolving symlinks the sandbox may have planted,
 * the parent is still inside the home directory (the server writes as root: a link to /etc must not be followed).
 */
async function safeParent(files: SandboxFiles, hostPath: string): Promise<void> {
  const parent = path.dirname(hostPath);
  const home = await realpath(files.homeDir);
  const rel = path.relative(files.homeDir, parent);
  let cur = files.homeDir;
  for (const seg of rel ? rel.split(path.sep) : []) {
    cur = path.join(cur, seg);
    try {
      await mkdir(cur);
      if (files.owner) await chown(cur, files.owner.uid, files.owner.gid);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const real = await realpath(cur);
    if (real !== home && !real.startsWith(home + path.sep)) {
      throw new ApiError(400, "upload path escapes the sandbox home through a symbolic link");
    }
  }
}

/**
 * A file being written: bytes go to a scratch file, and {@link commit} moves it into place (rename does not follow a
 * symlink at the destination, and readers never see a half-written file).
 */
export class UploadTarget implements PartSink {
  readonly tmpPath: string;
  private readonly stream;
  bytes = 0;
  private readonly closed: Promise<void>;

  constructor(private readonly files: SandboxFiles) {
    this.tmpPath = path.join(files.tmpDir, `upload-${randomBytes(8).toString("hex")}`);
    // A 4 MiB buffer lets writes overlap the network instead of waiting for the disk after every 16 KiB.
    this.stream = createWriteStream(this.tmpPath, { mode: 0o644, highWaterMark: 4 * 1024 * 1024 });
    this.closed = new Promise((resolve, reject) => {
      this.stream.once("close", resolve);
      this.stream.once("error", reject);
    });
  }

  write(chunk: Buffer): void | Promise<void> {
    this.bytes += chunk.length;
    if (this.stream.write(chunk)) return;
    return new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.stream.once("error", onError);
      this.stream.once("drain", () => {
        this.stream.off("error", onError);
        resolve();
      });
    });
  }

  async end(): Promise<void> {
    this.stream.end();
    await this.closed;
  }

  /** Moves the finished file to `sandboxPath` (creating parents); returns its host path. */
  async commit(sandboxPath: string): Promise<string> {
    const dest = hostPathFor(this.files, sandboxPath);
    await safeParent(this.files, dest);
    if (this.files.owner) await chown(this.tmpPath, this.files.owner.uid, this.files.owner.gid);
    await rename(this.tmpPath, dest);
    return dest;
  }

  /** Drops the scratch file (after a failed or abandoned upload). */
  async discard(): Promise<void> {
    this.stream.destroy();
    await rm(this.tmpPath, { force: true });
  }
}
