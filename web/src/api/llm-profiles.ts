/** LLM profiles: list (any reader), create, edit, delete and test (admins). Keys go in and never come back out. */
import type { z } from "zod";
import type { CreateLlmProfileRequest as CreateSchema } from "../../../worker/contracts/llm-profiles";
import { api } from "./client";
import type { LlmProfile, LlmProfileTestResult, ServerEndpoint, UpdateLlmProfileRequest } from "./types";

/** What the create form sends (defaults may be omitted). */
export type NewLlmProfile = z.input<typeof CreateSchema>;

/** The tenant's profiles (the default first) and what the server offers when none is the default. */
export interface LlmSetup {
  items: LlmProfile[];
  serverEndpoint: ServerEndpoint;
}

/** The tenant's profiles and the server's own endpoint. */
export function loadLlmSetup(): Promise<LlmSetup> {
  return api<LlmSetup>("/v1/llm-profiles");
}

/** Adds a profile; the key is stored encrypted and only its hint returns. */
export function createLlmProfile(input: NewLlmProfile): Promise<LlmProfile> {
  return api<LlmProfile>("/v1/llm-profiles", { json: input });
}

/** Changes a profile; `apiKey: null` removes the stored key, an absent one keeps it. */
export function updateLlmProfile(id: string, patch: UpdateLlmProfileRequest): Promise<LlmProfile> {
  return api<LlmProfile>(`/v1/llm-profiles/${id}`, { method: "PATCH", json: patch });
}

/** Deletes a profile and its key. */
export function deleteLlmProfile(id: string): Promise<void> {
  return api<void>(`/v1/llm-profiles/${id}`, { method: "DELETE" });
}

/** One tiny real call through the profile: latency and model, or the error with what to check. */
export function testLlmProfile(id: string): Promise<LlmProfileTestResult> {
  return api<LlmProfileTestResult>(`/v1/llm-profiles/${id}/test`, { json: {} });
}
