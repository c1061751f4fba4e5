import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { connect, type Socket } from "node:net";

/**
 * Path resolution that sandbox code cannot redirect. The server runs as root while sandbox code owns the directories
 * it writes into, so a component checked as a directory can be a symlink to `/etc` by the time it is used. Node has
 * no openat(2), but `/proc/self/fd/<fd>/<name>` is resolved by the kernel from the directory the fd holds (the magic
 * link is not looked up by name), which makes it openat/mkdirat/renameat for one component.
 */

/** Flags for opening one path component as a directory, refusing a symlink (ELOOP) or a non-directory (ENOTDIR). */
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** The path the kernel resolves as `name` inside the directory open as `dir`, like the `*at` calls would. */
export function at(dir: FileHandle, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

/** Options of {@link openDirBelow}. */
export interface OpenDirOptions {
  /** Create missing directories (mode 0755). */
  create?: boolean;
  /** Owner to give the directories it creates (the sandbox's host uid when the server is root). */
  owner?: { uid: number; gid: number };
}

/**
 * Opens the directory `base/segments[0]/…/segments[n-1]`, each component relative to the fd of the one before and
 * with O_NOFOLLOW, so a symlink anywhere below `base` fails with ELOOP instead of being followed. `base` itself must
 * be controlled by the server. `segments` are single names (no `/`, `.` or `..`). The caller closes the handle.
 */
export async function openDirBelow(base: string, segments: string[], opts: OpenDirOptions = {}): Promise<FileHandle> {
  let dir = await open(base, DIR_FLAGS);
  try {
    for (const name of segments) {
      const next = await openChild(dir, name, opts);
      await dir.close();
      dir = next;
    }
    return dir;
  } catch (e) {
    await dir.close();
    throw e;
  }
}

async function openChild(dir: FileHandle, name: string, opts: OpenDirOptions): Promise<FileHandle> {
  let created = false;
  if (opts.create) {
    created = await mkdir(at(dir, name), { mode: 0o755 }).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === "EEXIST") return false;
        throw e;
      },
    );
  }
  // Opened after mkdir, not trusted from it: the sandbox may have replaced the new directory with a link meanwhile.
  const child = await open(at(dir, name), DIR_FLAGS);
  if (created && opts.owner) await child.chown(opts.owner.uid, opts.owner.gid);
  return child;
}

/** O_PATH (Linux, not in `fs.constants`): an fd naming the inode itself, enough to fstat it and to reach it again. */
const O_PATH = 0o10000000;

/**
 * Connects to the Unix socket at `socketPath` only if that very name is a socket, never through a symlink sandbox
 * code put there (connect(2) has no O_NOFOLLOW, and the server must not reach the host's own sockets): the name is
 * pinned with O_PATH|O_NOFOLLOW, checked, then connected through the fd's magic link. The parent directory must be
 * the server's. Errors go to `callback` (ENOENT when nothing is there, ENOTSOCK for anything but a socket).
 */
export function connectUnixNoFollow(socketPath: string, callback: (err: Error | null, socket?: Socket) => void) {
  let fd: number;
  try {
    fd = openSync(socketPath, O_PATH | constants.O_NOFOLLOW);
  } catch (e) {
    callback(e as Error);
    return;
  }
  if (!fstatSync(fd).isSocket()) {
    closeSync(fd);
    callback(Object.assign(new Error(`${socketPath} is not a socket`), { code: "ENOTSOCK" }));
    return;
  }
  const socket = connect({ path: `/proc/self/fd/${fd}` });
  // Once: a socket can fail after it connected, and a second close could hit an fd number already reused.
  let open = true;
  const release = () => {
    if (open) closeSync(fd);
    open = false;
  };
  socket.once("connect", release);
  socket.once("error", release);
  callback(null, socket);
}
