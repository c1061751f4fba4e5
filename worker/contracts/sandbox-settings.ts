/**
 * The workspace's sandbox network setting: which hosts model-written code may reach. The default, and an empty
 * list, is no egress at all; the REPL bridge needs none.
 */
import { z } from "@hono/zod-openapi";

/** Hosts a workspace may allow: enough for a few APIs and registries, few enough to review at a glance. */
export const MAX_EGRESS_HOSTS = 20;

/** A DNS name (optionally `*.` for its subdomains); an IP address belongs in no domain allow list. */
const EgressHost = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(\*\.)?(?=[^*]*[a-z])[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
    "a host name such as api.example.com or *.example.com (no scheme, port, path or IP address)",
  );

export const SandboxSettings = z
  .object({
    egressHosts: z
      .array(EgressHost)
      .max(MAX_EGRESS_HOSTS)
      .openapi({
        description: `Hosts sandbox code may reach (at most ${MAX_EGRESS_HOSTS}); empty: no network egress at all.`,
        example: ["pypi.org", "files.pythonhosted.org"],
      }),
  })
  .openapi("SandboxSettings");
export type SandboxSettings = z.infer<typeof SandboxSettings>;
