import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import path from "node:path";

/** Resource limits of a sandbox: its memory cgroup, and setrlimit limits its supervisor applies to every process. */
export interface SandboxLimits {
  /**
   * Memory of the whole sandbox (all processes and its tmpfs), enforced by a cgroup; undefined (the default) takes
   * the create request's `memory` GiB, which Daytona defaults to 1.
   */
  sandboxMemoryBytes: number | undefined;
  /** The sandbox's disk (its home directory) for uploads; undefined takes the create request's `disk` GiB (3). */
  sandboxDiskBytes: number | undefined;
  /**
   * RLIMIT_AS per process, only where no memory cgroup is available. Python threads reserve 8 MiB of stack each, so
   * keep headroom above the data you load.
   */
  memoryBytes: number;
  /** RLIMIT_NPROC: processes AND threads of the sandbox (counted per user namespace, so per sandbox). */
  processes: number;
  /** RLIMIT_CPU per process, seconds. */
  cpuSeconds: number;
  /** RLIMIT_FSIZE: largest file a sandbox process may write. */
  fileSizeBytes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** Size of the private tmpfs at /tmp (and of /dev/shm), at most a quarter of the sandbox's memory each. */
  tmpBytes: number;
  /** `process/execute` timeout when the request gives none, seconds. */
  execTimeoutSec: number;
  /** Most bytes of command output returned by `process/execute`. */
  maxOutputBytes: number;
}

/** Defaults: roomy for a Python REPL holding a 100 MB context with 64 threads, small enough to protect the host. */
export const DEFAULT_LIMITS: SandboxLimits = {
  sandboxMemoryBytes: undefined,
  sandboxDiskBytes: undefined,
  memoryBytes: 2 * 1024 ** 3,
  processes: 512, // threads count too: a REPL with 64 worker threads plus its HTTP threads needs ~150
  cpuSeconds: 3600,
  fileSizeBytes: 1024 ** 3,
  openFiles: 4096,
  tmpBytes: 512 * 1024 ** 2,
  execTimeoutSec: 360,
  maxOutputBytes: 10 * 1024 ** 2,
};

/** Where a sandbox sees its mounts (inside the bubblewrap namespace). */
export const INNER = {
  home: "/home/daytona",
  ports: "/run/daytona/ports",
  /** The egress proxy's socket directory, for sandboxes with an allow-list. */
  net: "/run/daytona/net",
  /** Port of the relay to the egress proxy inside an allow-listed sandbox's own loopback. */
  proxyPort: 3128,
  supervisor: "/run/daytona/supervisor.py",
  uid: 1000,
  gid: 1000,
} as const;

/** The Python used for the supervisor and offered to sandbox code. */
export interface PythonInfo {
  executable: string;
  /** Host prefix to bind read-only when Python lives outside /usr (e.g. pyenv); undefined for /usr/bin/python3. */
  prefix: string | undefined;
}

/** Finds a real Python 3 (not a pyenv shim script): /usr/bin/python3 if present, else whatever `python3` resolves to. */
export function resolvePython(): PythonInfo {
  if (existsSync("/usr/bin/python3")) return { executable: "/usr/bin/python3", prefix: undefined };
  const probe = spawnSync(
    "python3",
    ["-c", "import os,sys;print(os.path.realpath(sys.executable));print(sys.base_prefix)"],
    {
      encoding: "utf8",
    },
  );
  const [exe, prefix] = (probe.stdout ?? "").trim().split("\n");
  if (probe.status !== 0 || !exe || !prefix) throw new Error("python3 not found: dev sandboxes need Python 3");
  return { executable: exe, prefix };
}

/** Inputs for {@link bwrapArgs}. */
export interface BwrapSpec {
  id: string;
  homeDir: string;
  portsDir: string;
  etcDir: string;
  supervisorPath: string;
  python: PythonInfo;
  env: Record<string, string>;
  limits: SandboxLimits;
  disableUserns: boolean;
  network: NetworkPlan;
}

/**
 * A sandbox's network. `blocked` (Daytona's `networkBlockAll`): a namespace with only its own loopback. `open`
 * (Daytona's default): the host's network as the host allows it, loopback services included. `allowList`: its own
 * loopback plus an HTTP(S) proxy, reached through a Unix socket in `netDir`, that forwards only to allowed hosts.
 */
export type NetworkPlan = { mode: "blocked" } | { mode: "open" } | { mode: "allowList"; netDir: string };

/** Proxy variables of an allow-listed sandbox: its relay on its own loopback (`supervisor.py` `relay_egress`). */
export function proxyEnv(plan: NetworkPlan): Record<string, string> {
  if (plan.mode !== "allowList") return {};
  const url = `http://127.0.0.1:${INNER.proxyPort}`;
  return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: "", no_proxy: "" };
}

/** Host /etc entries a sandbox may read: dynamic linker config, time zone, TLS roots, MIME types. Never the host env. */
const ETC_ALLOW = [
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "localtime",
  "alternatives",
  "ssl",
  "ca-certificates",
  "mime.types",
  "protocols",
  "services",
  "nsswitch.conf",
];

/**
 * The bubblewrap command line for one sandbox: every namespace unshared (no network at all, own pids, own hostname),
 * read-only system directories, a private size-limited /tmp, the sandbox home and ports directory bound read-write,
 * a cleared environment, and the supervisor as the main process.
 */
export function bwrapArgs(spec: BwrapSpec, supervisorConfig: unknown): string[] {
  const a: string[] = ["--unshare-all", "--unshare-user", "--uid", String(INNER.uid), "--gid", String(INNER.gid)];
  if (spec.disableUserns) a.push("--disable-userns");
  // bwrap --share-net keeps the host's network namespace: Daytona's open egress. Otherwise only a loopback of its own.
  if (spec.network.mode === "open") a.push("--share-net");
  a.push("--die-with-parent", "--new-session", "--hostname", `sandbox-${spec.id.slice(0, 8)}`);
  a.push("--ro-bind", "/usr", "/usr");
  for (const dir of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    if (!existsSync(dir)) continue;
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) a.push("--symlink", readlinkSync(dir), dir);
    else a.push("--ro-bind", dir, dir);
  }
  for (const name of ETC_ALLOW) a.push("--ro-bind-try", `/etc/${name}`, `/etc/${name}`);
  if (spec.network.mode === "open") a.push("--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf");
  if (spec.network.mode === "allowList") a.push("--ro-bind", spec.network.netDir, INNER.net);
  for (const name of ["passwd", "group", "hosts", "hostname"]) {
    a.push("--ro-bind", path.join(spec.etcDir, name), `/etc/${name}`);
  }
  a.push("--proc", "/proc", "--dev", "/dev");
  a.push("--perms", "1777", "--size", String(spec.limits.tmpBytes), "--tmpfs", "/tmp");
  a.push("--perms", "1777", "--size", String(spec.limits.tmpBytes), "--tmpfs", "/dev/shm");
  a.push("--bind", spec.homeDir, INNER.home, "--bind", spec.portsDir, INNER.ports);
  a.push("--ro-bind", spec.supervisorPath, INNER.supervisor);
  if (spec.python.prefix) a.push("--ro-bind", spec.python.prefix, spec.python.prefix);
  a.push("--chdir", INNER.home, "--clearenv");
  const env = { ...sandboxEnv(spec.id, spec.env, spec.python, INNER.home, INNER.ports), ...proxyEnv(spec.network) };
  for (const [k, v] of Object.entries(env)) {
    a.push("--setenv", k, v);
  }
  a.push("--info-fd", "3", spec.python.executable, "-I", "-S", INNER.supervisor, JSON.stringify(supervisorConfig));
  return a;
}

/** The whole environment of sandbox processes: the sandbox's own variables plus the few a shell needs. */
export function sandboxEnv(
  id: string,
  env: Record<string, string>,
  python: PythonInfo,
  home: string,
  portsDir: string,
): Record<string, string> {
  const pathDirs = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  if (python.prefix) pathDirs.unshift(path.dirname(python.executable));
  return {
    PATH: pathDirs.join(":"),
    LANG: "C.UTF-8",
    // glibc reserves 64 MiB of address space per malloc arena, up to 8 per CPU; under RLIMIT_AS a threaded Python
    // (64 workers over a 100 MB context peaked at 1.7 GiB with defaults, 0.85 GiB with this) would fail for nothing.
    MALLOC_ARENA_MAX: "2",
    ...env,
    HOME: home,
    USER: "daytona",
    DAYTONA_SANDBOX_ID: id,
    DAYTONA_DEV_PORTS_DIR: portsDir,
  };
}

/** Result of probing bubblewrap on this host. */
export interface IsolationProbe {
  bwrap: boolean;
  disableUserns: boolean;
  reason?: string;
}

/**
 * Checks that bubblewrap exists and can create an unprivileged sandbox as `owner` (the uid sandboxes will run as).
 */
export function probeBwrap(owner: { uid: number; gid: number } | undefined): IsolationProbe {
  const base = ["--unshare-all", "--unshare-user", "--ro-bind", "/usr", "/usr"];
  for (const dir of ["/bin", "/lib", "/lib64"]) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) base.push("--symlink", readlinkSync(dir), dir);
    else base.push("--ro-bind", dir, dir);
  }
  const run = (extra: string[]) =>
    spawnSync("bwrap", [...extra, ...base, "/bin/sh", "-c", "true"], { encoding: "utf8", timeout: 10_000, ...owner });
  const plain = run([]);
  if (plain.error) return { bwrap: false, disableUserns: false, reason: `bwrap not runnable: ${plain.error.message}` };
  if (plain.status !== 0) return { bwrap: false, disableUserns: false, reason: `bwrap failed: ${plain.stderr.trim()}` };
  return { bwrap: true, disableUserns: run(["--disable-userns"]).status === 0 };
}
