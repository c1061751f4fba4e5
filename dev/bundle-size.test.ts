import { expect, it } from "vitest";
import {
  FREE_PLAN_LIMIT_BYTES,
  measureBundle,
  measureSpa,
  SERVER_ONLY_PACKAGES,
  SPA_GZIP_BUDGET_BYTES,
  WORKER_GZIP_BUDGET_BYTES,
} from "./bundle-size";

it("the deployed Worker stays under its gzip budget (and the 3 MiB free-plan limit)", async () => {
  const size = await measureBundle();
  expect(size.gzipBytes).toBeGreaterThan(10_000);
  expect(size.gzipBytes).toBeLessThan(Math.min(WORKER_GZIP_BUDGET_BYTES, FREE_PLAN_LIMIT_BYTES));
}, 120_000);

it("the SPA ships no zod and stays under its gzip budget", async () => {
  const spa = await measureSpa();
  // The module graph is really read: the SPA's own framework is in it.
  expect(spa.packages).toContain("react-dom");
  expect(spa.packages.filter((p) => SERVER_ONLY_PACKAGES.includes(p))).toEqual([]);
  expect(spa.gzipBytes).toBeGreaterThan(10_000);
  expect(spa.gzipBytes).toBeLessThan(SPA_GZIP_BUDGET_BYTES);
}, 120_000);
