/** Where a standalone RLM run's inline context lives in R2: written by `POST /v1/rlm/runs`, named by the dataset export. */
export function inlineContextKey(tenantId: string, runId: string): string {
  return `contexts/${tenantId}/${runId}`;
}
