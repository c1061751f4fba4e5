/** The workspace's sandbox egress setting: read by members, changed by admins. */
import { api } from "./client";
import type { SandboxSettings } from "./types";

export function getSandboxSettings(): Promise<SandboxSettings> {
  return api<SandboxSettings>("/v1/settings/sandbox");
}

export function saveSandboxSettings(settings: SandboxSettings): Promise<SandboxSettings> {
  return api<SandboxSettings>("/v1/settings/sandbox", { method: "PUT", json: settings });
}
