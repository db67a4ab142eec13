CREATE TABLE "cluster_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cluster_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"type" text NOT NULL,
	"reason" text NOT NULL,
	"message" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "cluster_events_cluster_idx" ON "cluster_events" USING btree ("cluster_id","id");