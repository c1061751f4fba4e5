/** API keys: list, create (the secret is in the create response only), revoke. Needs the `admin` scope. */
import { api } from "./client";
import type { ApiKey, CreateApiKeyRequest, CreatedApiKey } from "./types";

/** Live (unrevoked) keys, never their secrets. */
export async function listApiKeys(): Promise<ApiKey[]> {
  return (await api<{ items: ApiKey[] }>("/v1/api-keys")).items;
}

/** Creates a key; show `secret` once and never store it. */
export function createApiKey(input: CreateApiKeyRequest): Promise<CreatedApiKey> {
  return api<CreatedApiKey>("/v1/api-keys", { json: input });
}

/** Revokes a key; it stops working at once. */
export function revokeApiKey(id: string): Promise<ApiKey> {
  return api<ApiKey>(`/v1/api-keys/${id}`, { method: "DELETE" });
}
