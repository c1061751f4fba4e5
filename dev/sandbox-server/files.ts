import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chown, type FileHandle, rename, rm } from "node:fs/promises";
import path from "node:path";
import { diskUsage } from "./disk-usage";
import { ApiError } from "./http-util";
import type { PartSink } from "./multipart";
import { at, openDirBelow } from "./no-follow";

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
  /** The sandbox's disk: uploads that would make the home directory larger are refused. */
  diskBytes: number;
}

/**
 * Maps a sandbox path (absolute under /home/daytona, or relative to it) to its path components below the home
 * directory. Anything that would leave the home directory is a 400: dev sandboxes only share their home with the host.
 */
export function homeSegments(sandboxPath: string | null | undefined): string[] {
  if (!sandboxPath) throw new ApiError(400, "path is required");
  const abs = path.posix.resolve(SANDBOX_HOME, sandboxPath);
  if (abs !== SANDBOX_HOME && !abs.startsWith(`${SANDBOX_HOME}/`)) {
    throw new ApiError(400, `path ${sandboxPath} is outside ${SANDBOX_HOME}; dev sandboxes only accept uploads there`);
  }
  if (abs === SANDBOX_HOME) throw new ApiError(400, `path ${sandboxPath} is a directory`);
  return abs.slice(SANDBOX_HOME.length + 1).split("/");
}

/**
 * Errors of the walk and rename that mean the sandbox shaped the path: a link (ELOOP), a file where a directory goes
 * or the reverse, a directory removed while the server walked it.
 */
const REFUSED_PATH = new Set(["ELOOP", "ENOTDIR", "EISDIR", "ENOENT"]);

/**
 * A file being written: bytes go to a scratch file, and {@link commit} moves it into place (rename does not follow a
 * symlink at the destination, and readers never see a half-written file).
 */
export class UploadTarget implements PartSink {
  readonly tmpPath: string;
  private readonly stream;
  bytes = 0;
  private readonly closed: Promise<void>;
  /** Bytes this upload may still use of the sandbox's disk; measured at the first chunk. */
  private room: number | undefined;

  constructor(private readonly files: SandboxFiles) {
    this.tmpPath = path.join(files.tmpDir, `upload-${randomBytes(8).toString("hex")}`);
    // A 4 MiB buffer lets writes overlap the network instead of waiting for the disk after every 16 KiB.
    this.stream = createWriteStream(this.tmpPath, { flags: "wx", mode: 0o644, highWaterMark: 4 * 1024 * 1024 });
    this.closed = new Promise((resolve, reject) => {
      this.stream.once("close", resolve);
      this.stream.once("error", reject);
    });
    // discard() may destroy the stream under a pending write; only end() cares how it closed.
    this.closed.catch(() => {});
  }

  write(chunk: Buffer): void | Promise<void> {
    if (this.room === undefined) {
      return diskUsage(this.files.homeDir).then((used) => {
        this.room = this.files.diskBytes - used;
        return this.write(chunk);
      });
    }
    this.bytes += chunk.length;
    // Checked while streaming, so an oversized upload never fills the host's disk through tmp/ either.
    if (this.bytes > this.room) {
      const gib = (this.files.diskBytes / 1024 ** 3).toFixed(2).replace(/\.?0+$/, "");
      throw new ApiError(400, `not enough space: the upload does not fit in the sandbox's ${gib} GiB disk`);
    }
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

  /**
   * Moves the finished file to `sandboxPath`, creating parents. The walk never follows a link (see `no-follow.ts`)
   * and rename(2) replaces rather than follows a link at the destination, so sandbox code racing the upload can at
   * worst make it a 400. The scratch file needs no such care: `tmp/` is the server's and not mounted in the sandbox.
   */
  async commit(sandboxPath: string): Promise<void> {
    const segments = homeSegments(sandboxPath);
    const name = segments.pop() as string; // SAFETY: homeSegments returns at least one component
    if (this.files.owner) await chown(this.tmpPath, this.files.owner.uid, this.files.owner.gid);
    let parent: FileHandle | undefined;
    try {
      parent = await openDirBelow(this.files.homeDir, segments, { create: true, owner: this.files.owner });
      await rename(this.tmpPath, at(parent, name));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "";
      if (!REFUSED_PATH.has(code)) throw e;
      throw new ApiError(
        400,
        `cannot write ${sandboxPath}: a symbolic link or a non-directory is in the way (${code})`,
      );
    } finally {
      await parent?.close();
    }
  }

  /** Drops the scratch file (after a failed or abandoned upload). */
  async discard(): Promise<void> {
    this.stream.destroy();
    await rm(this.tmpPath, { force: true });
  }
}
