CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"mode" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"query" text NOT NULL,
	"request" jsonb NOT NULL,
	"context_key" text,
	"context_format" text,
	"idempotency_key" text,
	"request_hash" text,
	"callback_url" text,
	"source" text DEFAULT 'api' NOT NULL,
	"source_endpoint_id" uuid,
	"run_id" uuid,
	"answer" text,
	"usage" jsonb,
	"error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tasks_tenant_created" ON "tasks" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_tenant_idempotency" ON "tasks" USING btree ("tenant_id","idempotency_key");