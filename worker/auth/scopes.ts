/** Permission scopes carried by API keys and derived from membership roles for signed-in users. */
import { z } from "zod";
import type { Role } from "../db/queries/identity";

export const SCOPES = [
  "admin",
  "sessions:read",
  "sessions:write",
  "tasks:read",
  "tasks:write",
  "documents:read",
  "documents:write",
] as const;

export const Scope = z.enum(SCOPES);
export type Scope = z.infer<typeof Scope>;

const READ_SCOPES: Scope[] = ["sessions:read", "tasks:read", "documents:read"];
const WRITE_SCOPES: Scope[] = ["sessions:write", "tasks:write", "documents:write"];

/** The scopes a signed-in user gets from their role. */
export function scopesForRole(role: Role): Scope[] {
  switch (role) {
    case "owner":
    case "admin":
      return [...SCOPES];
    case "member":
      return [...READ_SCOPES, ...WRITE_SCOPES];
    case "viewer":
      return [...READ_SCOPES];
  }
}

/** True when `granted` allows `needed`; `admin` allows everything and `x:write` implies `x:read`. */
export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  if (granted.includes("admin") || granted.includes(needed)) return true;
  return needed.endsWith(":read") && granted.includes(needed.replace(":read", ":write") as Scope);
}
