/** Model-call content for the trace: captured per step into R2, read back per step. */
export { contentObserver } from "./observer";
export { CALL_CAP_CHARS, type CallContent, callContent } from "./record";
export { tenantCaptures } from "./setting";
export { contentKey, deleteTreeContent, getContent } from "./store";

import type { DbEnv } from "../../db/client";
import type { RunRecorder } from "../../rlm/ports";
import { contentObserver as observer } from "./observer";
import { tenantCaptures as captures } from "./setting";

/** The content observer of a run tree of `tenantId`, storing into the documents bucket. */
export function traceContentObserver(env: DbEnv & { DOCUMENTS: R2Bucket }, tenantId: string): Partial<RunRecorder> {
  return observer({ bucket: env.DOCUMENTS, tenantId, capture: () => captures(env, tenantId) });
}
