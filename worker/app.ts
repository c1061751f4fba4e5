/** Builds the Hono application: middleware, routes, the OpenAPI document and the error mapper. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { withDb } from "./db/middleware";
import { AppError } from "./errors";
import { apiKeyRoutes } from "./routes/api-keys";
import type { AppEnv } from "./routes/app-env";
import { authRoutes, identityRoutes } from "./routes/auth";
import { diagnosticsRoutes } from "./routes/diagnostics";
import { handleError, handleNotFound, validationError } from "./routes/errors";
import { healthRoutes } from "./routes/health";

/** One MiB: JSON bodies larger than this are mistakes; documents have their own streamed route. */
const DEFAULT_MAX_BODY_BYTES = 1_048_576;

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "fleet-rlm API",
    version: "0.1.0",
    description: "Recursive Language Model workspace: sessions, tasks, documents, webhooks.",
  },
} as const;

/** Creates the app. Kept a function so tests and the OpenAPI generator build fresh instances. */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
  app.use(requestId());
  app.use("/v1/*", async (c, next) => {
    const maxSize = Number(c.env.MAX_BODY_BYTES) || DEFAULT_MAX_BODY_BYTES;
    return bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError("payload_too_large", `Request body exceeds ${maxSize} bytes`, { details: { maxSize } });
      },
    })(c, next);
  });
  app.use("/v1/*", withDb());
  app.route("/", healthRoutes);
  app.route("/", authRoutes);
  app.route("/", identityRoutes);
  app.route("/", apiKeyRoutes);
  app.route("/", diagnosticsRoutes);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key (frk_…) or a sign-in token",
  });
  app.doc31("/openapi.json", OPENAPI_INFO);
  app.onError(handleError);
  app.notFound(handleNotFound);
  return app;
}
