/** Starting `wrangler dev` refuses a port that is taken, instead of reporting another server's `/ready` as its own. */
import { createServer } from "node:http";
import { expect, it } from "vitest";
import { startWorkerProcess } from "./worker-process";

it("refuses to start on a port something else already listens on, naming the port", async () => {
  const squatter = createServer((_req, res) => res.end('{"ready":true}'));
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  const port = (squatter.address() as { port: number }).port;
  try {
    await expect(startWorkerProcess({ port, vars: {}, persistTo: "/nonexistent" })).rejects.toThrow(
      new RegExp(`port ${port} is already in use`),
    );
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
});
