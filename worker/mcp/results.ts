/** Tool results in MCP's shape: data as text plus structured content, and the API's refusals as tool errors. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ApiFailure } from "./api";

/** A successful result: `summary` for the model to read, `data` for clients that use structured content. */
export function toolResult(summary: string, data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: summary }], structuredContent: data };
}

/**
 * A refusal as a tool error (`isError`), which the model sees and can act on, rather than a protocol error: the
 * spec keeps protocol errors for unknown tools and malformed calls. The code is kept (`not_found`, `forbidden`, …).
 */
export function toolFailure(failure: ApiFailure): CallToolResult {
  const issues = (failure.details as { issues?: Array<{ field: string; message: string }> } | undefined)?.issues;
  const fields = issues?.length
    ? ` (${issues.map((i) => `${i.field.replace(/^(json|query|param)\./, "")}: ${i.message}`).join("; ")})`
    : "";
  return {
    isError: true,
    content: [{ type: "text", text: `${failure.code}: ${failure.message}${fields}` }],
    structuredContent: { error: { code: failure.code, message: failure.message, status: failure.status } },
  };
}
