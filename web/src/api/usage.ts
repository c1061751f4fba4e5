/** Usage per UTC day: LLM calls, tokens and cost of the workspace. */
import { api } from "./client";
import type { UsageReport } from "./types";

/** The last `days` days up to today, oldest first, zeros on idle days. */
export function getUsage(days: number): Promise<UsageReport> {
  return api<UsageReport>(`/v1/usage?days=${days}`);
}
