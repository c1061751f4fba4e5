/** What the user can do about an error, by its stable code: every error the chat shows ends with a next step. */

const NEXT_STEP: Record<string, string> = {
  turn_in_progress: "Wait for the running answer to finish, or press Stop.",
  validation_failed: "Change the message or its settings and send it again.",
  bad_request: "The request was malformed. Reload the page and try again.",
  budget_exhausted: "Raise the budget (LLM calls or USD) under the composer's Budget settings and ask again.",
  unavailable: "A service the turn needs is not configured or not reachable. Check the server's /ready page.",
  upstream_error: "The model provider failed. Try again in a minute.",
  llm_auth_failed: "The server's LLM key was refused. An administrator must fix OPENAI_API_KEY.",
  sandbox_failed: "The code sandbox failed. Send the message again; a new sandbox will be created.",
  sandbox_quota_exceeded:
    "Every code sandbox this deployment may run is in use. Wait a minute and send it again, or ask an administrator to raise the sandbox quota.",
  rate_limited: "Too many requests right now. Wait a minute and try again.",
  quota_exceeded: "Your tenant is over its quota. Ask an administrator to raise it.",
  timeout: "It ran out of time. Raise the time budget or ask a narrower question.",
  model_declined:
    "The model chose not to answer. Rephrase the question, or pick another model: add an LLM profile in Settings for real answers.",
  context_too_long: "The input is too long for one call. Attach it as a document instead of pasting it.",
  document_unreadable: "Upload a copy the reader can use: unprotected, with a text layer (OCR a scan), or as text.",
  unsupported_media_type: "Upload one of the listed formats, or save the file as text first.",
  payload_too_large: "The file is over the size limit. Split it, or upload only the part you need.",
  conflict: "The session changed in the meantime. Reload the page.",
  not_found: "It no longer exists. Pick another session or document.",
  unauthenticated: "Your sign-in expired. Sign in again.",
  forbidden: "Your account lacks the permission for this. Ask an administrator.",
  internal: "Something broke on our side. Send the message again; if it repeats, report it with the time.",
};

/** The next step for an error code, with a generic fallback. */
export function nextStep(code: string): string {
  return NEXT_STEP[code] ?? "Try again; if it repeats, report it with the time and this code.";
}

// The API names fields by their place in the request (`json.baseUrl`, `query.name`); people know them by their label.
const FIELD_LABELS: Record<string, string> = {
  tenant: "Workspace",
  email: "Email",
  name: "Name",
  baseUrl: "Base URL",
  apiKey: "API key",
  plannerModel: "Planner model",
  delegateModel: "Delegate model",
  isDefault: "Default",
  expiresInDays: "Expires in (days)",
  scopes: "Permissions",
  url: "URL",
  events: "Events",
  egressHosts: "Allowed hosts",
  body: "The file",
  llmCalls: "LLM calls",
  costUsd: "Cost (USD)",
};

/** A field path as its label: `json.egressHosts.2` → "Allowed hosts (line 3)"; unknown names are spelled out. */
export function fieldLabel(field: string): string {
  const parts = field.split(".").filter((p) => !["json", "query", "param", "header", "form"].includes(p));
  const index = parts.length > 1 && /^\d+$/.test(parts.at(-1) ?? "") ? Number(parts.pop()) : null;
  const name = parts.at(-1) ?? field;
  const label = FIELD_LABELS[name] ?? name.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());
  return index === null ? label : `${label} (line ${index + 1})`;
}

// A validator's own words that mean nothing to a reader: a pattern, a type name, a JSON path.
const MACHINE_WORDS = /pattern|regex|\/\^|Invalid input: expected|json\.|query\./i;

/** An issue's message in words a reader can act on. */
function issueMessage(message: string): string {
  return MACHINE_WORDS.test(message) ? "is not in the form expected here" : message;
}

/** Field issues from a `validation_failed` error, as one readable line naming each field by its label. */
export function describeIssues(issues: unknown): string {
  if (!Array.isArray(issues)) return "";
  return issues
    .map((i) => {
      const issue = i as { field?: unknown; message?: unknown };
      return `${fieldLabel(String(issue.field ?? ""))}: ${issueMessage(String(issue.message ?? ""))}`;
    })
    .join("; ");
}

/**
 * The headline of an error box. A validation failure's own message lists field paths ("Invalid json.tenant"), so
 * the issues below it say what to change instead.
 */
export function headline(code: string, message: string, hasIssues: boolean): string {
  if (code === "validation_failed" && hasIssues) return "Some of what you entered needs a change:";
  return MACHINE_WORDS.test(message) ? "The request was not accepted." : message;
}
