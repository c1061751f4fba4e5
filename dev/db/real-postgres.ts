import { execFile, spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";

/** A throwaway PostgreSQL server; see {@link startRealPostgres}. */
export interface RealPostgres {
  /** `postgres://postgres:postgres@127.0.0.1:PORT/postgres` (SCRAM password auth, like Neon). */
  connectionString: string;
  host: string;
  port: number;
  /** Server version from `postgres --version`, e.g. "postgres (PostgreSQL) 15.18". */
  version: string;
  /** Stops the server and deletes its cluster. Idempotent. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const PASSWORD = "postgres";

/**
 * Finds a directory holding `initdb`, `pg_ctl` and `postgres`: first on PATH, then the newest
 * Debian/Ubuntu `/usr/lib/postgresql/<major>/bin` (where GitHub's Ubuntu runners keep it, off PATH).
 * Returns null when PostgreSQL is not installed.
 */
export function findPostgresBin(): string | null {
  const candidates = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  try {
    const majors = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((major) => `/usr/lib/postgresql/${major}/bin`));
  } catch {
    // not a Debian-style install
  }
  for (const dir of candidates) {
    try {
      // Resolve symlinks (e.g. /usr/local/bin/initdb) so pg_ctl finds the matching `postgres`.
      const bin = dirname(realpathSync(join(dir, "initdb")));
      for (const tool of ["initdb", "pg_ctl", "postgres"]) accessSync(join(bin, tool), constants.X_OK);
      return bin;
    } catch {
      // keep looking
    }
  }
  return null;
}

/**
 * Starts a real PostgreSQL for tests/CI, so the driver and migrations are also checked against
 * the server Neon runs rather than only against PGlite. Creates a temporary cluster (initdb),
 * listens on a free port of 127.0.0.1 only, and tunes it for speed (fsync off: data is disposable).
 * Returns null when PostgreSQL is not installed; throws when it is installed but cannot start.
 * PostgreSQL refuses to run as root, so under root the server runs as the `postgres` system user.
 */
export async function startRealPostgres(): Promise<RealPostgres | null> {
  const bin = findPostgresBin();
  if (!bin) return null;
  const owner = process.getuid?.() === 0 ? systemUser("postgres") : undefined;
  const run = (tool: string, args: string[]) => runAs(owner, join(bin, tool), args);

  const base = await mkdtemp(join(tmpdir(), "fleet-rlm-pg-"));
  let cleanupOnExit: (() => void) | undefined;
  try {
    await chmod(base, 0o700);
    const pwfile = join(base, "pwfile");
    await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    if (owner) {
      await chown(base, owner.uid, owner.gid);
      await chown(pwfile, owner.uid, owner.gid);
    }
    const data = join(base, "data");
    const version = (await run("postgres", ["--version"])).trim();
    await run("initdb", [
      ...["-D", data, "-U", "postgres", `--pwfile=${pwfile}`],
      ...["--auth-host=scram-sha-256", "--auth-local=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
    ]);

    const stopSync = () => {
      spawnSync(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], { ...owner, stdio: "ignore" });
    };
    // If the process exits without calling stop(), don't leave a postmaster or its files behind.
    cleanupOnExit = () => {
      stopSync();
      rmSync(base, { recursive: true, force: true });
    };
    process.once("exit", cleanupOnExit);

    const port = await startOnFreePort(run, data, base);
    let stopping: Promise<void> | undefined;
    return {
      connectionString: `postgres://postgres:${PASSWORD}@${HOST}:${port}/postgres`,
      host: HOST,
      port,
      version,
      stop() {
        stopping ??= (async () => {
          if (cleanupOnExit) process.off("exit", cleanupOnExit);
          await run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]).catch(stopSync);
          await rm(base, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (cleanupOnExit) process.off("exit", cleanupOnExit);
    cleanupOnExit?.();
    await rm(base, { recursive: true, force: true });
    throw error;
  }
}

type Run = (tool: string, args: string[]) => Promise<string>;

/** Postgres cannot bind port 0, so pick a free port and retry if another process grabs it first. */
async function startOnFreePort(run: Run, data: string, base: string): Promise<number> {
  const log = join(base, "server.log");
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const settings = [
      `listen_addresses=${HOST}`,
      `port=${port}`,
      `unix_socket_directories='${base}'`,
      ...["fsync=off", "synchronous_commit=off", "full_page_writes=off"],
    ];
    try {
      await run("pg_ctl", [
        "-D",
        data,
        "-l",
        log,
        "-w",
        "-t",
        "60",
        "-o",
        settings.map((s) => `-c ${s}`).join(" "),
        "start",
      ]);
      return port;
    } catch (error) {
      const serverLog = await readFile(log, "utf8").catch(() => "");
      if (attempt < 3 && /could not (bind|create listen socket)/i.test(serverLog)) continue;
      throw new Error(`PostgreSQL failed to start: ${(error as Error).message}\n${serverLog}`);
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

interface SystemUser {
  uid: number;
  gid: number;
}

function systemUser(name: string): SystemUser {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  if (!line) {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no "${name}" user; create one (useradd --system ${name}) or run as non-root`,
    );
  }
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a PostgreSQL tool, as `user` when given (Node drops root and supplementary groups for us). */
function runAs(user: SystemUser | undefined, file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // cwd must be readable by the target user, or initdb complains about the current directory.
    execFile(file, args, { ...user, cwd: tmpdir(), env: { ...process.env, LC_ALL: "C" } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(" ")} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}
