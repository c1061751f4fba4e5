/** Webhook endpoints (admins): create (secret shown once), list, reveal and rotate the secret, delete, deliveries. */
import type { z } from "zod";
import type { CreateWebhookEndpointRequest as CreateSchema } from "../../../worker/contracts/webhooks";
import { api } from "./client";
import type { WebhookDelivery, WebhookEndpoint } from "./types";

/** What the create form sends (defaults may be omitted). */
export type NewWebhookEndpoint = z.input<typeof CreateSchema>;

/** An endpoint with its signing secret, as creation and rotation return it. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** Every endpoint, newest first. */
export async function listWebhookEndpoints(): Promise<WebhookEndpoint[]> {
  return (await api<{ endpoints: WebhookEndpoint[] }>("/v1/webhooks/endpoints")).endpoints;
}

/** Creates an endpoint; show the secret once. */
export function createWebhookEndpoint(input: NewWebhookEndpoint): Promise<EndpointWithSecret> {
  return api<EndpointWithSecret>("/v1/webhooks/endpoints", { json: input });
}

/** The current signing secret. */
export async function revealWebhookSecret(id: string): Promise<string> {
  return (await api<{ secret: string }>(`/v1/webhooks/endpoints/${id}/secret`)).secret;
}

/** A new secret; the old one stays valid for `overlapSeconds`. */
export function rotateWebhookSecret(id: string, overlapSeconds: number): Promise<EndpointWithSecret> {
  return api<EndpointWithSecret>(`/v1/webhooks/endpoints/${id}/rotate`, { json: { overlapSeconds } });
}

/** Deletes an endpoint and its pending deliveries. */
export function deleteWebhookEndpoint(id: string): Promise<void> {
  return api<void>(`/v1/webhooks/endpoints/${id}`, { method: "DELETE" });
}

/** The endpoint's delivery log, newest first. */
export async function listDeliveries(id: string): Promise<WebhookDelivery[]> {
  return (await api<{ deliveries: WebhookDelivery[] }>(`/v1/webhooks/endpoints/${id}/deliveries?limit=50`)).deliveries;
}

/** Sends an outbound delivery again now. */
export function redeliver(id: string): Promise<WebhookDelivery> {
  return api<WebhookDelivery>(`/v1/webhooks/deliveries/${id}/redeliver`, { method: "POST" });
}
