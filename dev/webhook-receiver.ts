/**
 * A local webhook receiver for tests and for trying outbound webhooks by hand: it records every request (headers and
 * body) per path and answers by a plan set through its admin API — e.g. fail three times with 503, then succeed.
 *
 * - `POST /__admin/plan` `{path, statuses: number[], retryAfter?}`: the next requests to `path` get these statuses
 *   in order (200 once they run out).
 * - `GET /__admin/received?path=/x`: what arrived at `/x`, oldest first.
 */
import { createServer, type IncomingMessage } from "node:http";

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  at: number;
}

export interface WebhookReceiver {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const plans = new Map<string, { statuses: number[]; retryAfter?: number }>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const body = await readBody(req);
    const reply = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(json));
    };
    if (url.pathname === "/__admin/plan" && req.method === "POST") {
      const plan = JSON.parse(body) as { path: string; statuses: number[]; retryAfter?: number };
      plans.set(plan.path, { statuses: [...plan.statuses], retryAfter: plan.retryAfter });
      return reply(200, { ok: true });
    }
    if (url.pathname === "/__admin/received") {
      const path = url.searchParams.get("path");
      return reply(200, { requests: received.filter((r) => !path || r.path === path) });
    }
    const plan = plans.get(url.pathname);
    const status = plan?.statuses.shift() ?? 200;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    received.push({ path: url.pathname, headers, body, status, at: Date.now() });
    reply(
      status,
      { received: status < 300 },
      status >= 300 && plan?.retryAfter ? { "retry-after": String(plan.retryAfter) } : {},
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("receiver did not bind");
  return {
    url: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A sender cut off mid-request (a test aborting its host) must not hold the close open.
        server.closeAllConnections();
      }),
  };
}
