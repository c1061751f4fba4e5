import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { findPostgresBin } from "./dev/db/real-postgres.ts";

/** Worker code runs inside workerd, against the database the global setup starts. */
function workerProject(
  name: string,
  include: string[],
  database: "embeddedDatabase" | "postgresDatabase",
): TestProjectInlineConfiguration {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            ENVIRONMENT: "development",
            DATABASE_URL: inject(database)?.url ?? "",
            NEON_WS_PROXY: inject(database)?.wsProxy ?? "",
            SESSION_SECRET: "test-session-secret-0123456789abcdef",
            DAYTONA_API_URL: inject("sandboxApi").apiUrl,
            DAYTONA_API_KEY: inject("sandboxApi").apiKey,
            SANDBOX_ISOLATION: inject("sandboxApi").isolation,
            OPENAI_BASE_URL: inject("llmApi").url,
            OPENAI_API_KEY: inject("llmApi").apiKey,
            LLM_ADMIN_URL: inject("llmApi").origin,
            RECEIVER_URL: inject("receiverUrl"),
            OTEL_EXPORTER_OTLP_ENDPOINT: inject("otlpUrl"),
            OTEL_EXPORTER_OTLP_HEADERS: "x-otlp-token=test%20token",
          },
        },
      })),
    ],
    test: {
      name,
      include,
      // Pure modules are tested in plain Node (the `unit` project): no runtime, no servers.
      exclude: ["**/*.unit.test.ts", "**/node_modules/**"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}

const postgresAvailable = Boolean(process.env.DATABASE_URL || findPostgresBin());
if (!postgresAvailable && process.env.CI !== "true") {
  console.warn("[vitest] PostgreSQL not installed: data-layer tests run on embedded PGlite only (CI runs both)");
}

export default defineConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
    projects: [
      workerProject("workerd", ["worker/**/*.test.ts", "test/worker/**/*.test.ts"], "embeddedDatabase"),
      // The data layer again on a real PostgreSQL. In CI it always runs, so a missing server fails loudly.
      ...(postgresAvailable || process.env.CI === "true"
        ? [
            workerProject(
              "workerd-postgres",
              ["worker/db/**/*.test.ts", "worker/auth/**/*.test.ts"],
              "postgresDatabase",
            ),
          ]
        : []),
      {
        test: { name: "unit", include: ["worker/**/*.unit.test.ts"], environment: "node" },
      },
      {
        test: {
          name: "node",
          include: ["dev/**/*.test.ts", "bench/**/*.test.ts", "client/**/*.test.ts", "test/stack/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "browser",
          // The SPA in headless Chromium against one local stack, plus the SPA's pure modules in Node.
          include: ["test/browser/**/*.test.ts", "web/src/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./test/browser/global-setup.ts"],
          // One stack and one scripted LLM are shared: the files run one after another.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
