import type { SandboxPoolDO } from "./sandbox-pool-do";

/** The deployment's one warm pool. Kept apart from the class for Node tools. */
export function getSandboxPoolStub(env: Pick<Env, "SANDBOX_POOL">): DurableObjectStub<SandboxPoolDO> {
  return env.SANDBOX_POOL.get(env.SANDBOX_POOL.idFromName("default"));
}
