import type { IncomingMessage, ServerResponse } from "node:http";
import type { Faults } from "./daytona-behaviour";

/**
 * A cloud front door with an idle timeout (the `frontDoorTimeoutMs` fault): a response that has not started within
 * the timeout is cut — answered 524 like Cloudflare, or its socket closed — and the request's handler sees its
 * client go away, as an origin behind a load balancer does. Daytona's own proxy chain has no such timeout
 * (libs/common-go/pkg/proxy/server_config.go sets only IdleTimeout and ReadHeaderTimeout).
 */
export function holdAtFrontDoor(req: IncomingMessage, res: ServerResponse, faults: Faults): void {
  const timeoutMs = faults.frontDoorTimeoutMs;
  if (timeoutMs === undefined) return;
  const timer = setTimeout(() => {
    if (res.headersSent) return;
    if (faults.frontDoorMode === "close") {
      req.socket.destroy();
      return;
    }
    const body = "error code: 524";
    res.writeHead(524, { "content-type": "text/plain", "content-length": body.length, connection: "close" });
    res.end(body);
    // The upstream request dies with the client's connection, as when a load balancer gives up.
    res.once("finish", () => req.socket.destroy());
  }, timeoutMs);
  res.once("close", () => clearTimeout(timer));
  res.once("finish", () => clearTimeout(timer));
}
