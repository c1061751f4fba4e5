/** Readiness probe of the sandbox provider: configured, reachable and accepting our key. */

export interface SandboxCheck {
  ok: boolean;
  detail: string;
  latencyMs?: number;
}

/** Lists at most one sandbox through the Daytona API; any 2xx proves URL and key. */
export async function checkSandboxProvider(
  env: Pick<Env, "DAYTONA_API_URL" | "DAYTONA_API_KEY">,
  timeoutMs: number,
): Promise<SandboxCheck> {
  if (!env.DAYTONA_API_URL || !env.DAYTONA_API_KEY) {
    return { ok: false, detail: "DAYTONA_API_URL and DAYTONA_API_KEY must both be set" };
  }
  const started = Date.now();
  try {
    const res = await fetch(`${env.DAYTONA_API_URL.replace(/\/$/, "")}/sandbox?limit=1`, {
      headers: { authorization: `Bearer ${env.DAYTONA_API_KEY}`, accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    if (res.status === 401 || res.status === 403)
      return { ok: false, detail: `the API key was refused (${res.status})` };
    if (!res.ok) return { ok: false, detail: `provider answered ${res.status}` };
    return { ok: true, detail: `reachable: ${env.DAYTONA_API_URL}`, latencyMs: Date.now() - started };
  } catch (err) {
    return { ok: false, detail: `unreachable: ${err instanceof Error ? err.message : String(err)}` };
  }
}
