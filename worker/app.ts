/** Builds the Hono application: middleware, routes, the OpenAPI document and the error mapper. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { renderApiReference } from "./docs/render";
import { DOCS_STYLESHEET, DOCS_STYLESHEET_PATH } from "./docs/styles";
import { AppError } from "./errors";
import { apiKeyRoutes } from "./routes/api-keys";
import type { AppEnv } from "./routes/app-env";
import { authRoutes, identityRoutes } from "./routes/auth";
import { diagnosticsRoutes } from "./routes/diagnostics";
import { documentRoutes } from "./routes/documents";
import { handleError } from "./routes/errors";
import { healthRoutes } from "./routes/health";
import { hookRoutes } from "./routes/hooks";
import { llmProfileRoutes } from "./routes/llm-profiles";
import { mcpRoutes } from "./routes/mcp";
import { openAiRoutes } from "./routes/openai";
import { registerSecuritySchemes } from "./routes/openapi";
import { rlmRunRoutes } from "./routes/rlm-runs";
import { sandboxSettingsRoutes } from "./routes/sandbox-settings";
import { sessionRoutes } from "./routes/sessions";
import { serveSpa } from "./routes/spa";
import { taskRoutes } from "./routes/tasks";
import { traceContentRoutes } from "./routes/trace-content";
import { traceRoutes } from "./routes/traces";
import { usageRoutes } from "./routes/usage";
import { refuseInvalidOrNul } from "./routes/validation";
import { webhookRoutes } from "./routes/webhooks";
import { withDb } from "./routes/with-db";
import { securityHeaders } from "./security/headers";

/** One MiB: JSON bodies larger than this are mistakes; documents have their own streamed route. */
const DEFAULT_MAX_BODY_BYTES = 1_048_576;
/**
 * Routes whose bodies legitimately carry a long context inline. 32 MiB stays well inside a Worker's 128 MB of memory
 * while the body is parsed; anything larger belongs in a document.
 */
const LARGE_BODY_ROUTES: Record<string, number> = {
  "/v1/rlm/runs": 32 * 1_048_576,
  "/v1/chat/completions": 32 * 1_048_576,
  "/mcp": 32 * 1_048_576,
};
/** Routes that stream their body and enforce their own (plan-dependent) limit while streaming. */
const STREAMED_BODY_ROUTES = new Set(["POST /v1/documents"]);

export const OPENAPI_INFO: Parameters<OpenAPIHono["getOpenAPI31Document"]>[0] = {
  openapi: "3.1.0",
  info: {
    title: "fleet-rlm API",
    version: "0.1.0",
    description: "Recursive Language Model workspace: sessions, tasks, documents, webhooks.",
  },
  servers: [
    { url: "http://127.0.0.1:8787", description: "Local stack (`npm run dev`)" },
    {
      url: "https://{host}",
      description: "A deployment: the Worker's own route or workers.dev name",
      // A placeholder: every deployment serves the API at its own origin.
      variables: { host: { default: "fleet-rlm.example.com", description: "Your deployment's host name" } },
    },
  ],
};

/** Creates the app. Kept a function so tests and the OpenAPI generator build fresh instances. */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: refuseInvalidOrNul });
  app.use(securityHeaders());
  app.use(requestId());
  const limitBody: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (STREAMED_BODY_ROUTES.has(`${c.req.method} ${c.req.path}`)) return next();
    const maxSize = LARGE_BODY_ROUTES[c.req.path] ?? (Number(c.env.MAX_BODY_BYTES) || DEFAULT_MAX_BODY_BYTES);
    return bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError("payload_too_large", `Request body exceeds ${maxSize} bytes`, { details: { maxSize } });
      },
    })(c, next);
  };
  for (const path of ["/v1/*", "/mcp"]) {
    app.use(path, limitBody);
    app.use(path, withDb());
  }
  app.route("/", healthRoutes);
  app.route("/", authRoutes);
  app.route("/", identityRoutes);
  app.route("/", apiKeyRoutes);
  app.route("/", diagnosticsRoutes);
  app.route("/", rlmRunRoutes);
  app.route("/", sessionRoutes);
  app.route("/", documentRoutes);
  app.route("/", taskRoutes);
  app.route("/", traceRoutes);
  app.route("/", traceContentRoutes);
  app.route("/", webhookRoutes);
  app.route("/", hookRoutes);
  app.route("/", llmProfileRoutes);
  app.route("/", usageRoutes);
  app.route("/", sandboxSettingsRoutes);
  app.route("/", openAiRoutes);
  app.route("/", mcpRoutes(app));
  registerSecuritySchemes(app.openAPIRegistry);
  app.doc31("/openapi.json", OPENAPI_INFO);
  app.get("/docs", (c) => c.html(renderApiReference(app.getOpenAPI31Document(OPENAPI_INFO))));
  app.get(DOCS_STYLESHEET_PATH, (c) => c.body(DOCS_STYLESHEET, 200, { "content-type": "text/css; charset=utf-8" }));
  app.onError(handleError);
  app.notFound(serveSpa);
  return app;
}
