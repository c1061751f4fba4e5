/**
 * What a run that names no model will use, in words: the tenant's default profile, the server's endpoint, the demo
 * model, or nothing. Pure, so the wording is tested without a page; the settings page, the empty chat and the
 * composer all say the same thing.
 */
import type { LlmSetup } from "../api/llm-profiles";

/** The source of a run's model, with the sentence the workspace shows. */
export interface LlmSource {
  kind: "profile" | "server" | "demo" | "none";
  /** One sentence: what runs use. */
  summary: string;
}

/** Describes `setup` for the reader. */
export function describeLlmSource(setup: LlmSetup): LlmSource {
  const profile = setup.items.find((p) => p.isDefault);
  if (profile) {
    return {
      kind: "profile",
      summary: `Runs use your default LLM profile “${profile.name}” (${profile.baseUrl}, model ${profile.plannerModel}).`,
    };
  }
  const server = setup.serverEndpoint;
  if (server.kind === "server") {
    const model = server.model ? `, model ${server.model}` : "";
    return { kind: "server", summary: `Runs use the server's LLM endpoint (${server.baseUrl}${model}).` };
  }
  if (server.kind === "demo") {
    return {
      kind: "demo",
      summary:
        "No LLM endpoint is configured: runs use the demo model, a scripted stand-in that only solves the demo tasks (finding a magic number in a document, counting labelled lines). Add an LLM profile for real answers.",
    };
  }
  return {
    kind: "none",
    summary: "No LLM endpoint is configured, so runs cannot start. Add an LLM profile (or ask an administrator to).",
  };
}
