/** What the rest of the Worker needs from a sandbox provider; implemented over Daytona in `./daytona.ts`. */

/** Resources in Daytona's units: vCPUs and GiB. */
export interface SandboxResources {
  cpu?: number;
  memory?: number;
  disk?: number;
}

export interface SandboxSpec {
  /** Labels for finding and cleaning up sandboxes; `tenant` is always set. */
  labels: { tenant: string; session?: string; run?: string; [key: string]: string | undefined };
  env?: Record<string, string>;
  resources?: SandboxResources;
  /** Minutes idle before the provider stops the sandbox; 0 disables. */
  autoStopMinutes?: number;
  /**
   * Minutes stopped before the provider archives it (moves its disk to object storage, where it no longer counts
   * against the organisation's disk quota; starting it again is slower). Daytona's default is 7 days.
   */
  autoArchiveMinutes?: number;
  /** Minutes after stopping before the provider deletes it; 0 deletes it as it stops; negative disables. */
  autoDeleteMinutes?: number;
  snapshot?: string;
  /**
   * Hosts the sandbox's code may reach; none (the default) blocks all egress. Daytona applies a domain allow list
   * as default-deny (docs: network-limits), and on Tier 1/2 the organisation's policy still takes precedence.
   */
  egressHosts?: string[];
}

export interface CommandResult {
  exitCode: number;
  output: string;
}

export interface PreviewLink {
  url: string;
  token: string;
}

/** A live sandbox. Methods throw `AppError`s (`not_found`, `sandbox_quota_exceeded`, `timeout`, `unavailable`, …). */
export interface SandboxHandle {
  readonly id: string;
  /**
   * True when `get` found the sandbox not running (stopped, archived, in `error`, mid-transition) and brought it
   * back: none of its earlier processes, the REPL included, survived.
   */
  readonly revived?: boolean;
  exec(command: string, options?: { cwd?: string; timeoutSeconds?: number }): Promise<CommandResult>;
  /** Writes a file, streaming when given a stream; parent directories are created. */
  upload(path: string, body: ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> | string): Promise<void>;
  previewLink(port: number): Promise<PreviewLink>;
  /** Replaces every label (a warm-pool sandbox becomes a run's). */
  setLabels(labels: SandboxSpec["labels"]): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  delete(): Promise<void>;
}

export interface SandboxProvider {
  create(spec: SandboxSpec): Promise<SandboxHandle>;
  /** Looks a sandbox up; throws `not_found` when it is gone. Starts it when it was stopped. */
  get(id: string): Promise<SandboxHandle>;
  /** Deletes a sandbox by id without starting it; one that is already gone counts as deleted. */
  remove(id: string): Promise<void>;
}
