import { expect, it } from "vitest";
import { FREE_PLAN_LIMIT_BYTES, measureBundle } from "./bundle-size";

it("the deployed Worker stays under the 3 MiB gzip free-plan limit", async () => {
  const size = await measureBundle();
  expect(size.gzipBytes).toBeGreaterThan(10_000);
  expect(size.gzipBytes).toBeLessThan(FREE_PLAN_LIMIT_BYTES);
}, 120_000);
