/** The sandbox domain's public surface. */
export { daytonaProvider, daytonaSettings } from "./daytona";
export type { CommandResult, PreviewLink, SandboxHandle, SandboxProvider, SandboxSpec } from "./provider";
export { checkSandboxProvider } from "./readiness";
export { replSandboxes } from "./repl-sandboxes";
export { type CallbackHandler, type ExecOptions, HostCallFailure, ReplSession } from "./repl-session";
export { tenantEgressHosts, tenantReplSandboxes, tenantSandboxProvider } from "./tenant-provider";
