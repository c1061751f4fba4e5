import type { SandboxAdmissionDO } from "./sandbox-admission-do";

/** The deployment's one sandbox admission object. Kept apart from the class for Node tools. */
export function getSandboxAdmissionStub(env: Pick<Env, "SANDBOX_ADMISSION">): DurableObjectStub<SandboxAdmissionDO> {
  return env.SANDBOX_ADMISSION.get(env.SANDBOX_ADMISSION.idFromName("default"));
}
