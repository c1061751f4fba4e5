/**
 * The scopes an API key can carry, with what each allows. The list is checked against the contract's `Scope` type in
 * both directions, so a scope added on the server is a compile error here until it is described.
 */
import type { ApiKey } from "./types";

type Scope = ApiKey["scopes"][number];

/** Every scope, in the order the settings page offers them, with a one-line description. */
export const SCOPE_CHOICES = [
  { scope: "sessions:read", label: "Read sessions and their traces" },
  { scope: "sessions:write", label: "Create sessions and chat" },
  { scope: "tasks:read", label: "Read task status and results" },
  { scope: "tasks:write", label: "Start tasks" },
  { scope: "documents:read", label: "Read documents" },
  { scope: "documents:write", label: "Upload and delete documents" },
  { scope: "admin", label: "Everything, including API keys" },
] as const satisfies ReadonlyArray<{ scope: Scope; label: string }>;

type Listed = (typeof SCOPE_CHOICES)[number]["scope"];
/** Fails to compile when the contract gains a scope the list above lacks. */
const everyScopeListed: Record<Exclude<Scope, Listed>, never> = {};
void everyScopeListed;

/** The scopes a new key gets unless the user changes them: the API's own default. */
export const DEFAULT_SCOPES: Scope[] = ["sessions:write", "tasks:write", "documents:write"];
