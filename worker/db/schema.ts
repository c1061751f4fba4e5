/**
 * Drizzle schema of the tenant database (Neon Postgres; embedded PGlite locally). Every table but `tenants` carries a
 * `tenant_id`, and every query goes through the tenant-scoped functions in `./queries/`. Migrations in `migrations/`
 * are generated from this file by `npm run db:generate`.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const id = () => uuid("id").primaryKey().defaultRandom();
const tenantId = () =>
  uuid("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" });
const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();
const at = (name: string) => timestamp(name, { withTimezone: true });

/** Usage counters shared by turns, runs and usage records. */
export interface Usage {
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
}

export const tenants = pgTable("tenants", {
  id: id(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  plan: text("plan", { enum: ["free", "team", "enterprise"] })
    .notNull()
    .default("free"),
  status: text("status", { enum: ["active", "suspended"] })
    .notNull()
    .default("active"),
  /** Hosts sandbox code may reach (Daytona's default-deny `domainAllowList`); empty: no egress at all. */
  sandboxEgressHosts: text("sandbox_egress_hosts").array().notNull().default(sql`'{}'::text[]`),
  /** Whether runs keep the texts of model calls (messages, replies) for the trace; off: only their sizes. */
  traceCapture: boolean("trace_capture").notNull().default(true),
  createdAt: createdAt(),
});

export const users = pgTable(
  "users",
  {
    id: id(),
    tenantId: tenantId(),
    email: text("email").notNull(),
    name: text("name"),
    /** OIDC `sub` for production sign-in; null for dev-login and bootstrap users. */
    externalId: text("external_id"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_tenant_email").on(t.tenantId, t.email)],
);

export const memberships = pgTable(
  "memberships",
  {
    tenantId: tenantId(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "admin", "member", "viewer"] })
      .notNull()
      .default("member"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: id(),
    tenantId: tenantId(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    /** The visible, non-secret head of the key (`frk_xxxxxxxx`), shown in lists. */
    prefix: text("prefix").notNull(),
    /** Hex SHA-256 of the whole key; the key itself is never stored. */
    hash: text("hash").notNull().unique(),
    scopes: text("scopes").array().notNull(),
    createdAt: createdAt(),
    lastUsedAt: at("last_used_at"),
    expiresAt: at("expires_at"),
    revokedAt: at("revoked_at"),
  },
  (t) => [index("api_keys_tenant").on(t.tenantId)],
);

export const llmProfiles = pgTable(
  "llm_profiles",
  {
    id: id(),
    tenantId: tenantId(),
    name: text("name").notNull(),
    baseUrl: text("base_url").notNull(),
    plannerModel: text("planner_model").notNull(),
    delegateModel: text("delegate_model").notNull(),
    /** AES-GCM ciphertext of the provider key (base64 of iv || ciphertext); null for keyless endpoints. */
    apiKeyCiphertext: text("api_key_ciphertext"),
    /** A masked form of the key (`sk-…abcd`: its prefix and last four characters), so users can tell keys apart. */
    apiKeyHint: text("api_key_hint"),
    isDefault: boolean("is_default").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("llm_profiles_tenant_name").on(t.tenantId, t.name),
    // At most one default per tenant, whatever the interleaving of concurrent writes.
    uniqueIndex("llm_profiles_tenant_default").on(t.tenantId).where(sql`${t.isDefault}`),
  ],
);

export const sessions = pgTable(
  "sessions",
  {
    id: id(),
    tenantId: tenantId(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    title: text("title").notNull().default("New session"),
    status: text("status", { enum: ["active", "archived"] })
      .notNull()
      .default("active"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("sessions_tenant_updated").on(t.tenantId, t.updatedAt)],
);

export const turns = pgTable(
  "turns",
  {
    id: id(),
    tenantId: tenantId(),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    index: integer("index").notNull(),
    userMessage: text("user_message").notNull(),
    answer: text("answer"),
    status: text("status", { enum: ["running", "completed", "failed", "cancelled"] })
      .notNull()
      .default("running"),
    usage: jsonb("usage").$type<Usage>(),
    error: jsonb("error").$type<{ code: string; message: string }>(),
    startedAt: createdAt(),
    completedAt: at("completed_at"),
  },
  (t) => [uniqueIndex("turns_session_index").on(t.sessionId, t.index)],
);

export const runs = pgTable(
  "runs",
  {
    id: id(),
    tenantId: tenantId(),
    sessionId: uuid("session_id").references(() => sessions.id, { onDelete: "cascade" }),
    turnId: uuid("turn_id").references(() => turns.id, { onDelete: "cascade" }),
    parentRunId: uuid("parent_run_id"),
    rootRunId: uuid("root_run_id"),
    depth: integer("depth").notNull().default(0),
    kind: text("kind", { enum: ["agent", "rlm", "task"] }).notNull(),
    status: text("status", { enum: ["queued", "running", "completed", "failed", "cancelled"] })
      .notNull()
      .default("queued"),
    query: text("query").notNull(),
    answer: text("answer"),
    /** Why the run ended when it did not complete normally (budget reason, error code). */
    endReason: text("end_reason"),
    error: jsonb("error").$type<{ code: string; message: string }>(),
    usage: jsonb("usage").$type<Usage>(),
    /** For a child run: the parent's code block whose `rlm_query` started it, so a trace rebuilt later nests it there. */
    parentExec: jsonb("parent_exec").$type<{ turn: number; block: number }>(),
    createdAt: createdAt(),
    startedAt: at("started_at"),
    completedAt: at("completed_at"),
  },
  (t) => [
    index("runs_tenant_created").on(t.tenantId, t.createdAt),
    index("runs_parent").on(t.parentRunId),
    index("runs_root").on(t.rootRunId),
  ],
);

export const runSteps = pgTable(
  "run_steps",
  {
    id: id(),
    tenantId: tenantId(),
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    index: integer("index").notNull(),
    kind: text("kind", { enum: ["iteration", "llm_call", "sandbox_exec", "tool_call", "observation"] }).notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    costUsd: doublePrecision("cost_usd").notNull().default(0),
    latencyMs: integer("latency_ms").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("run_steps_run_index").on(t.runId, t.index)],
);

/** What a task asked for, kept with it so a webhook-started task can be inspected like an API one. */
export interface TaskRequestRecord {
  documents: string[];
  budget: Record<string, number | undefined>;
  models: { planner?: string; delegate?: string };
  maxIterations: number;
  maxDepth: number;
  subCallConcurrency: number;
}

export const tasks = pgTable(
  "tasks",
  {
    id: id(),
    tenantId: tenantId(),
    mode: text("mode", { enum: ["rlm", "agent"] }).notNull(),
    status: text("status", { enum: ["queued", "running", "completed", "failed", "cancelled"] })
      .notNull()
      .default("queued"),
    query: text("query").notNull(),
    request: jsonb("request").$type<TaskRequestRecord>().notNull(),
    /** R2 key of an inline context; null when the task reads documents. */
    contextKey: text("context_key"),
    contextFormat: text("context_format", { enum: ["text", "json"] }),
    /** The client's `Idempotency-Key` and a hash of its request, to tell a retry from a conflicting reuse. */
    idempotencyKey: text("idempotency_key"),
    requestHash: text("request_hash"),
    callbackUrl: text("callback_url"),
    source: text("source", { enum: ["api", "webhook"] })
      .notNull()
      .default("api"),
    sourceEndpointId: uuid("source_endpoint_id"),
    /** The root run of the task's trace. */
    runId: uuid("run_id"),
    answer: text("answer"),
    usage: jsonb("usage").$type<Usage>(),
    error: jsonb("error").$type<{ code: string; message: string }>(),
    createdAt: createdAt(),
    startedAt: at("started_at"),
    completedAt: at("completed_at"),
  },
  (t) => [
    index("tasks_tenant_created").on(t.tenantId, t.createdAt),
    uniqueIndex("tasks_tenant_idempotency").on(t.tenantId, t.idempotencyKey),
  ],
);

export const documents = pgTable(
  "documents",
  {
    id: id(),
    tenantId: tenantId(),
    name: text("name").notNull(),
    contentType: text("content_type").notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull().default(0),
    r2Key: text("r2_key").notNull(),
    sha256: text("sha256"),
    status: text("status", { enum: ["uploading", "ready", "failed"] })
      .notNull()
      .default("uploading"),
    createdAt: createdAt(),
  },
  (t) => [index("documents_tenant_created").on(t.tenantId, t.createdAt)],
);

export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: id(),
    tenantId: tenantId(),
    direction: text("direction", { enum: ["inbound", "outbound"] }).notNull(),
    name: text("name").notNull(),
    /** Target for outbound deliveries; null for inbound endpoints. */
    url: text("url"),
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** The secret being rotated out, accepted until `previous_secret_expires_at`. */
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretExpiresAt: at("previous_secret_expires_at"),
    events: text("events").array().notNull().default(sql`'{}'::text[]`),
    /** Inbound only: how a payload becomes a task (JSON pointers or a template). */
    mapping: jsonb("mapping").$type<Record<string, unknown>>(),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index("webhook_endpoints_tenant").on(t.tenantId)],
);

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: id(),
    tenantId: tenantId(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    direction: text("direction", { enum: ["inbound", "outbound"] }).notNull(),
    /** The `webhook-id`; unique per endpoint, which is what makes inbound replays harmless. */
    messageId: text("message_id").notNull(),
    event: text("event").notNull(),
    payload: jsonb("payload").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed", "dead", "accepted", "rejected"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    nextAttemptAt: at("next_attempt_at"),
    createdAt: createdAt(),
    deliveredAt: at("delivered_at"),
  },
  (t) => [uniqueIndex("webhook_deliveries_endpoint_message").on(t.endpointId, t.messageId)],
);

export const feedback = pgTable(
  "feedback",
  {
    id: id(),
    tenantId: tenantId(),
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    score: integer("score").notNull(),
    comment: text("comment"),
    expectedAnswer: text("expected_answer"),
    createdAt: createdAt(),
  },
  (t) => [index("feedback_tenant_run").on(t.tenantId, t.runId)],
);

/** Single-use WebSocket tickets: a hash of the ticket, consumed atomically by the upgrade. */
export const wsTickets = pgTable("ws_tickets", {
  hash: text("hash").primaryKey(),
  tenantId: tenantId(),
  userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
  sessionId: uuid("session_id")
    .notNull()
    .references(() => sessions.id, { onDelete: "cascade" }),
  /** The scopes of the credential that asked for the ticket: the socket is held to them, frame by frame. */
  scopes: text("scopes").array().notNull().default(sql`'{}'::text[]`),
  /** The credential that asked for it (see `worker/auth/credential.ts`), re-checked while the socket is open. */
  credential: text("credential").notNull().default(""),
  expiresAt: at("expires_at").notNull(),
  usedAt: at("used_at"),
});

/**
 * Sign-in tokens ended before their expiry (sign-out). Rows outlive the token by nothing: once `expires_at` has passed
 * the token is refused anyway, so they are swept.
 */
export const revokedTokens = pgTable(
  "revoked_tokens",
  {
    jti: text("jti").primaryKey(),
    tenantId: tenantId(),
    expiresAt: at("expires_at").notNull(),
  },
  (t) => [index("revoked_tokens_expiry").on(t.expiresAt)],
);
