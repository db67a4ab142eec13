CREATE TABLE "cluster_health" (
	"cluster_id" uuid PRIMARY KEY NOT NULL,
	"repairs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"short_circuit" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cluster_health" ADD CONSTRAINT "cluster_health_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;