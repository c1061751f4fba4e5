import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { MemoryCgroups, SandboxCgroup } from "./cgroup";
import {
  checkArchive,
  checkDestroy,
  checkQuota,
  checkRecover,
  checkStart,
  checkStop,
  type FaultBoard,
  type Latency,
  type OrgQuota,
  type SandboxState,
  type Usage,
  usageIn,
} from "./daytona-behaviour";
import { type EgressProxy, startEgressProxy } from "./egress-proxy";
import type { SandboxFiles } from "./files";
import { ApiError } from "./http-util";
import type { NetworkPlan, PythonInfo, SandboxLimits } from "./isolation";
import { ensureTraversable, prepareSandboxDir } from "./sandbox-dirs";
import { SandboxProcess } from "./sandbox-process";
import { applySnapshotLayer, type SnapshotFiles } from "./snapshot-layer";

/** Persisted facts about one sandbox (`<root>/<id>/sandbox.json`); the process itself is not persisted. */
export interface SandboxMeta {
  id: string;
  name: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  cpu: number;
  gpu: number;
  memory: number;
  disk: number;
  public: boolean;
  networkBlockAll: boolean;
  /** Comma-separated CIDRs the sandbox may reach (Daytona's `networkAllowList`). */
  networkAllowList?: string;
  /** Comma-separated domains the sandbox may reach (Daytona's `domainAllowList`). */
  domainAllowList?: string;
  target: string;
  snapshot: string | undefined;
  autoStopInterval: number;
  autoDeleteInterval: number;
  state: SandboxState;
  errorReason: string | undefined;
  createdAt: string;
  updatedAt: string;
  /** Host uid the sandbox runs as (root servers only). */
  uid: number | undefined;
  /** Processes of this sandbox the kernel OOM-killed for exceeding its memory limit (absent before any). */
  oomKills?: number;
}

/** A sandbox in memory: its metadata plus runtime state. */
export interface Sandbox {
  meta: SandboxMeta;
  dir: string;
  files: SandboxFiles;
  portsDir: string;
  proc: SandboxProcess | undefined;
  /** Memory cgroup of the running sandbox, when the host has one to offer. */
  cgroup: SandboxCgroup | undefined;
  /** The egress proxy of a running allow-listed sandbox. */
  egress: EgressProxy | undefined;
  /** The cgroup's OOM-kill counter as last recorded into `meta.oomKills`. */
  oomSeen: number;
  previewToken: string;
  lastActivity: number;
  /** Toolbox and preview requests open now: they keep the sandbox active however long they are held. */
  openRequests: number;
  stoppedAt: number | undefined;
  /** Serialises lifecycle operations (start/stop/delete) on one sandbox. */
  lock: Promise<unknown>;
  /** Serialises writes of `sandbox.json`. */
  saving: Promise<void>;
}

/** Store configuration. */
export interface StoreOptions {
  root: string;
  limits: SandboxLimits;
  maxSandboxes: number;
  isolation: "bwrap" | "none";
  disableUserns: boolean;
  python: PythonInfo;
  /** First host uid for sandboxes when the server runs as root; undefined to run them as the server's uid. */
  uidBase: number | undefined;
  /** Where sandboxes get their memory cgroups; undefined leaves each process to RLIMIT_AS. */
  cgroups: MemoryCgroups | undefined;
  /** Organisation totals every create and start is checked against. */
  quota: OrgQuota;
  latency: Latency;
  faults: FaultBoard;
}

const GIB = 1024 ** 3;

/** What a sandbox's errors and results say when the kernel OOM-killed processes in it. */
export function oomMessage(kills: number, cgroup: SandboxCgroup | undefined): string {
  const limit = cgroup ? ` of ${Math.round(cgroup.limitBytes / 1024 ** 2)} MiB` : "";
  return `out of memory: the kernel OOM killer ended ${kills} process${kills === 1 ? "" : "es"} (sandbox memory limit${limit} exceeded)`;
}

/**
 * The sandboxes of one dev server: creation with quotas, lookup by id or name, lifecycle, persistence of metadata
 * (a restarted server shows earlier sandboxes as stopped), and auto-stop / auto-delete by inactivity.
 */
export class SandboxStore {
  private readonly byId = new Map<string, Sandbox>();

  constructor(private readonly opts: StoreOptions) {}

  /** Loads sandboxes left by an earlier run of the server (all stopped: their processes died with it). */
  async init(): Promise<void> {
    await mkdir(this.opts.root, { recursive: true });
    if (this.opts.uidBase !== undefined) await ensureTraversable(this.opts.root);
    for (const entry of await readdir(this.opts.root)) {
      const raw = await readFile(path.join(this.opts.root, entry, "sandbox.json"), "utf8").catch(() => null);
      if (!raw) continue;
      let meta: SandboxMeta;
      try {
        meta = JSON.parse(raw) as SandboxMeta;
      } catch {
        console.warn(`[sandbox-server] ignoring ${entry}: unreadable sandbox.json`);
        continue;
      }
      if (meta.state === "destroying" || meta.state === "destroyed") {
        await rm(path.join(this.opts.root, entry), { recursive: true, force: true });
        continue;
      }
      // Its processes died with the earlier server: whatever it was doing, it is stopped now.
      if (meta.state !== "archived" && meta.state !== "error") meta.state = "stopped";
      this.byId.set(meta.id, this.hydrate(meta));
    }
  }

  private hydrate(meta: SandboxMeta): Sandbox {
    const dir = path.join(this.opts.root, meta.id);
    const owner = meta.uid === undefined ? undefined : { uid: meta.uid, gid: meta.uid };
    return {
      meta,
      dir,
      files: {
        homeDir: path.join(dir, "home"),
        tmpDir: path.join(dir, "tmp"),
        owner,
        diskBytes: this.opts.limits.sandboxDiskBytes ?? meta.disk * GIB,
      },
      portsDir: path.join(dir, "ports"),
      proc: undefined,
      cgroup: undefined,
      egress: undefined,
      oomSeen: 0,
      previewToken: randomBytes(24).toString("base64url"),
      lastActivity: Date.now(),
      openRequests: 0,
      stoppedAt: meta.state === "started" ? undefined : Date.now(),
      lock: Promise.resolve(),
      saving: Promise.resolve(),
    };
  }

  /**
   * Creates a sandbox and waits until it is `started`, as Daytona's create does (≤30 s): it is `creating` meanwhile.
   * Refused with Daytona's 400 when an org quota would be passed, and with a 429 once `maxSandboxes` exist.
   */
  /** Creates and launches a sandbox; `layer` holds the files of the snapshot it was created from. */
  async create(
    init: Omit<SandboxMeta, "id" | "state" | "errorReason" | "createdAt" | "updatedAt" | "uid">,
    layer?: SnapshotFiles,
  ) {
    const live = [...this.byId.values()].filter((s) => s.meta.state !== "destroying").length;
    if (live >= this.opts.maxSandboxes) {
      throw new ApiError(
        429,
        `Sandbox quota exceeded: at most ${this.opts.maxSandboxes} sandboxes`,
        {},
        { "retry-after": "10" },
      );
    }
    checkQuota(this.opts.quota, this.usage(), usageIn("creating", init));
    const id = randomUUID();
    const name = init.name || id;
    if ([...this.byId.values()].some((s) => s.meta.name === name)) {
      throw new ApiError(409, `Sandbox with name ${name} already exists`);
    }
    const now = new Date().toISOString();
    const meta: SandboxMeta = {
      ...init,
      id,
      name,
      state: "creating",
      errorReason: undefined,
      createdAt: now,
      updatedAt: now,
      uid: this.allocateUid(),
    };
    const sb = this.hydrate(meta);
    // Not stopped, only not started yet: a sweep while it launches must not auto-delete it.
    sb.stoppedAt = undefined;
    this.byId.set(id, sb);
    try {
      await this.prepareDirs(sb);
      if (layer) await applySnapshotLayer(sb.files.homeDir, layer, sb.files.owner);
      await sleep(this.opts.latency.createMs);
      await this.launch(sb);
    } catch (e) {
      this.byId.delete(id);
      await rm(sb.dir, { recursive: true, force: true });
      throw e;
    }
    return sb;
  }

  /** What every sandbox holds against the org quota, summed. */
  private usage(except?: Sandbox): Usage {
    const total: Usage = { cpu: 0, memory: 0, disk: 0 };
    for (const sb of this.byId.values()) {
      if (sb === except) continue;
      const u = usageIn(sb.meta.state, sb.meta);
      total.cpu += u.cpu;
      total.memory += u.memory;
      total.disk += u.disk;
    }
    return total;
  }

  /** How long a transition of `sb` takes: its `transitionMs` fault, else the configured latency. */
  private transitionMs(sb: Sandbox, kind: "startMs" | "stopMs" | "destroyMs"): number {
    return this.opts.faults.for(sb.meta.id, sb.meta.labels).transitionMs ?? this.opts.latency[kind];
  }

  private allocateUid(): number | undefined {
    if (this.opts.uidBase === undefined) return undefined;
    const used = new Set([...this.byId.values()].map((s) => s.meta.uid));
    let uid = this.opts.uidBase;
    while (used.has(uid)) uid++;
    return uid;
  }

  private async prepareDirs(sb: Sandbox) {
    await prepareSandboxDir(sb.dir, sb.meta.id, sb.files.owner);
    await this.save(sb);
  }

  private async launch(sb: Sandbox) {
    const { opts } = this;
    const memory = opts.limits.sandboxMemoryBytes ?? sb.meta.memory * GIB;
    sb.cgroup = await opts.cgroups?.create(sb.meta.id, memory);
    sb.oomSeen = 0;
    const network = networkPlan(sb);
    if (network.mode === "allowList") {
      sb.egress = await startEgressProxy(network.netDir, {
        domains: sb.meta.domainAllowList,
        networks: sb.meta.networkAllowList,
      });
    }
    const proc = await SandboxProcess.launch(
      {
        id: sb.meta.id,
        homeDir: sb.files.homeDir,
        portsDir: sb.portsDir,
        etcDir: path.join(sb.dir, "etc"),
        supervisorPath: path.join(sb.dir, "etc", "supervisor.py"),
        python: opts.python,
        env: sb.meta.env,
        // Each tmpfs at most a quarter of the memory: its pages count against the cgroup, and a full /dev/shm must
        // end in ENOSPC, not in the OOM killer ending the processes that did not fill it.
        limits: { ...opts.limits, tmpBytes: Math.min(opts.limits.tmpBytes, Math.floor(memory / 4)) },
        disableUserns: opts.disableUserns,
        network,
        isolation: opts.isolation,
        owner: sb.files.owner,
        cgroup: sb.cgroup,
      },
      opts.limits,
      opts.python,
    ).catch(async (e) => {
      await this.dropCgroup(sb);
      await this.closeEgress(sb);
      throw e;
    });
    sb.proc = proc;
    sb.previewToken = randomBytes(24).toString("base64url"); // a restart invalidates old preview tokens, as on Daytona
    sb.lastActivity = Date.now();
    sb.stoppedAt = undefined;
    await this.setState(sb, "started");
    proc.onExit((why) => {
      if (sb.proc !== proc) return;
      sb.proc = undefined;
      sb.stoppedAt = Date.now();
      const cgroup = sb.cgroup;
      const before = sb.meta.oomKills ?? 0;
      const killed = this.oomKills(sb) - before;
      void this.dropCgroup(sb);
      void this.closeEgress(sb);
      void this.setState(sb, "error", killed ? `${why}; ${oomMessage(killed, cgroup)}` : why);
    });
  }

  /**
   * Records the OOM kills the kernel made in the sandbox since the last look (persisted as `oomKills`, logged) and
   * returns the sandbox's total. Comparing the totals before and after an operation tells whether it ran out of
   * memory, also while other operations run in the same sandbox.
   */
  oomKills(sb: Sandbox): number {
    let total = sb.oomSeen;
    try {
      total = sb.cgroup?.oomKills() ?? sb.oomSeen;
    } catch {
      // the group is already gone: nothing new to record
    }
    const fresh = total - sb.oomSeen;
    sb.oomSeen = total;
    if (fresh > 0) {
      sb.meta.oomKills = (sb.meta.oomKills ?? 0) + fresh;
      console.warn(`[sandbox-server] sandbox ${sb.meta.id}: ${oomMessage(fresh, sb.cgroup)}`);
      void this.save(sb);
    }
    return sb.meta.oomKills ?? 0;
  }

  private async closeEgress(sb: Sandbox) {
    const egress = sb.egress;
    sb.egress = undefined;
    await egress?.close();
  }

  private async dropCgroup(sb: Sandbox) {
    const cgroup = sb.cgroup;
    sb.cgroup = undefined;
    sb.oomSeen = 0;
    await cgroup?.remove().catch((e) => console.warn(`[sandbox-server] cannot remove ${cgroup.dir}:`, e));
  }

  setLabels(sb: Sandbox, labels: Record<string, string>): Promise<void> {
    sb.meta.labels = labels;
    sb.meta.updatedAt = new Date().toISOString();
    return this.save(sb);
  }

  private setState(sb: Sandbox, state: SandboxMeta["state"], errorReason?: string): Promise<void> {
    sb.meta.state = state;
    sb.meta.errorReason = errorReason;
    sb.meta.updatedAt = new Date().toISOString();
    return this.save(sb);
  }

  /** Writes `sandbox.json` atomically (temp file + rename), one write at a time per sandbox. */
  private save(sb: Sandbox): Promise<void> {
    const write = async () => {
      if (!this.byId.has(sb.meta.id)) return;
      const file = path.join(sb.dir, "sandbox.json");
      await writeFile(`${file}.tmp`, JSON.stringify(sb.meta, null, 2));
      await rename(`${file}.tmp`, file);
    };
    sb.saving = sb.saving.then(write).catch((e) => console.error(`[sandbox-server] cannot save ${sb.meta.id}:`, e));
    return sb.saving;
  }

  /** Finds a sandbox by id or name, else 404 with Daytona's message (a `destroying` one is still found). */
  get(idOrName: string): Sandbox {
    const sb = this.find(idOrName);
    if (!sb) throw new ApiError(404, `Sandbox with ID or name ${idOrName} not found`);
    return sb;
  }

  /** The sandbox with this id or name, if it exists. */
  find(idOrName: string): Sandbox | undefined {
    return this.byId.get(idOrName) ?? [...this.byId.values()].find((s) => s.meta.name === idOrName);
  }

  /** A started sandbox (for toolbox and preview calls), else 404/409 like Daytona. */
  running(idOrName: string): Sandbox & { proc: SandboxProcess } {
    const sb = this.get(idOrName);
    if (!sb.proc || sb.meta.state !== "started") {
      throw new ApiError(409, `Sandbox ${sb.meta.id} is not started (state: ${sb.meta.state})`);
    }
    sb.lastActivity = Date.now();
    return sb as Sandbox & { proc: SandboxProcess };
  }

  /**
   * Counts a toolbox or preview request as activity for as long as it is open, as Daytona's proxy refreshes
   * `lastActivity` every 50 s while one is (apps/proxy/pkg/proxy/get_sandbox_target.go); call the result when it ends.
   */
  active(sb: Sandbox): () => void {
    sb.openRequests++;
    sb.lastActivity = Date.now();
    return () => {
      sb.openRequests--;
      sb.lastActivity = Date.now();
    };
  }

  /** Sandboxes whose labels include every given label. */
  list(labels: Record<string, string>): Sandbox[] {
    return [...this.byId.values()]
      .filter((s) => Object.entries(labels).every(([k, v]) => s.meta.labels[k] === v))
      .sort((a, b) => a.meta.createdAt.localeCompare(b.meta.createdAt));
  }

  private serial<T>(sb: Sandbox, op: () => Promise<T>): Promise<T> {
    const next = sb.lock.then(op, op);
    sb.lock = next.catch(() => {});
    return next;
  }

  /**
   * Starts a stopped or archived sandbox: checked at once (409 during a transition, 400 in `error`, 400 over the
   * quota), then `starting` until it runs. The returned promise settles when it is `started` (or in `error`).
   */
  start(sb: Sandbox): Promise<void> {
    if (checkStart(sb.meta.state) === "noop") return Promise.resolve();
    checkQuota(this.opts.quota, this.usage(sb), usageIn("starting", sb.meta));
    return this.transition(sb, "starting", this.transitionMs(sb, "startMs"), () => this.launch(sb));
  }

  /** `POST /recover`: a sandbox in `error` starts again (sandbox.service.ts `recoverInPlace`). */
  recover(sb: Sandbox): Promise<void> {
    checkRecover(sb.meta.state);
    return this.transition(sb, "starting", this.transitionMs(sb, "startMs"), () => this.launch(sb));
  }

  /** Kills every process of the sandbox; its files stay. An ephemeral one (`autoDeleteInterval` 0) is deleted. */
  stop(sb: Sandbox): Promise<void> {
    checkStop(sb.meta.state);
    if (sb.meta.autoDeleteInterval === 0) return this.delete(sb); // sandbox.service.ts stop: `isEphemeral`
    // The runner stops the container first; the state catches up afterwards.
    const halted = this.halt(sb);
    return this.transition(sb, "stopping", this.transitionMs(sb, "stopMs"), async () => {
      await halted;
      sb.stoppedAt = Date.now();
      await this.setState(sb, "stopped");
    });
  }

  /** Moves a stopped sandbox's files "to object storage": it no longer counts disk, and starts like a stopped one. */
  archive(sb: Sandbox): Promise<void> {
    checkArchive(sb.meta.state);
    return this.transition(sb, "archiving", this.transitionMs(sb, "stopMs"), () => this.setState(sb, "archived"));
  }

  /**
   * Soft-deletes: `destroying` at once (GET still returns it, a second delete is a 409), then the processes and
   * files go and the sandbox is `destroyed` — from then on a 404.
   */
  delete(sb: Sandbox): Promise<void> {
    checkDestroy(sb.meta.state);
    const halted = this.halt(sb); // its processes go at once; the record lingers while `destroying`
    return this.transition(sb, "destroying", this.transitionMs(sb, "destroyMs"), async () => {
      await halted;
      sb.meta.state = "destroyed";
      this.byId.delete(sb.meta.id);
      await rm(sb.dir, { recursive: true, force: true });
    });
  }

  /** Puts a running sandbox in `error` at once, its processes killed (a runner fault, a test's switch). */
  fail(sb: Sandbox, reason: string): Promise<void> {
    return this.serial(sb, async () => {
      await this.halt(sb);
      sb.stoppedAt = Date.now();
      await this.setState(sb, "error", reason);
    });
  }

  /** Sets the transitional `state` now, then after `delayMs` runs `finish` (one lifecycle operation at a time). */
  private transition(sb: Sandbox, state: SandboxState, delayMs: number, finish: () => Promise<void>): Promise<void> {
    void this.setState(sb, state);
    return this.serial(sb, async () => {
      await sleep(delayMs);
      try {
        await finish();
      } catch (e) {
        if (state === "starting") await this.setState(sb, "error", `start failed: ${(e as Error).message}`);
        throw e;
      }
    });
  }

  /** Kills every process and drops the memory cgroup (OOM kills recorded first). */
  private async halt(sb: Sandbox) {
    const proc = sb.proc;
    sb.proc = undefined;
    await proc?.kill();
    this.oomKills(sb);
    await this.dropCgroup(sb);
    await this.closeEgress(sb);
  }

  /** Applies `autoStopInterval` (minutes idle → stop) and `autoDeleteInterval` (minutes stopped → delete). */
  async sweep(now = Date.now()): Promise<void> {
    for (const sb of [...this.byId.values()]) {
      const { autoStopInterval, autoDeleteInterval, state } = sb.meta;
      // A sandbox in a transition is left to finish it; the next sweep looks again.
      const idle = sb.openRequests === 0 && now - sb.lastActivity > autoStopInterval * 60_000;
      if (state === "started" && autoStopInterval > 0 && idle) {
        await this.stop(sb);
      } else if (
        (state === "stopped" || state === "archived") &&
        autoDeleteInterval >= 0 &&
        sb.stoppedAt &&
        now - sb.stoppedAt > autoDeleteInterval * 60_000
      ) {
        await this.delete(sb);
      }
    }
  }

  /** Kills every running sandbox (server shutdown); files and metadata stay. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.byId.values()].map((sb) =>
        sb.proc
          ? this.serial(sb, async () => {
              await this.halt(sb);
              await this.setState(sb, "stopped");
            })
          : undefined,
      ),
    );
  }
}

/** The network a sandbox asked for: none with `networkBlockAll`, only its lists with one, else open (Daytona's default). */
function networkPlan(sb: Sandbox): NetworkPlan {
  if (sb.meta.networkBlockAll) return { mode: "blocked" };
  if (sb.meta.domainAllowList || sb.meta.networkAllowList)
    return { mode: "allowList", netDir: path.join(sb.dir, "net") };
  return { mode: "open" };
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
