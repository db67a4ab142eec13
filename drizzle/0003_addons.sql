CREATE TABLE "cluster_addons" (
	"cluster_id" uuid NOT NULL,
	"name" text NOT NULL,
	"version" text NOT NULL,
	"fingerprint" text NOT NULL,
	"phase" text NOT NULL,
	"message" text,
	"generation" integer NOT NULL,
	"inventory" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cluster_addons_cluster_id_name_pk" PRIMARY KEY("cluster_id","name")
);
--> statement-breakpoint
ALTER TABLE "cluster_addons" ADD CONSTRAINT "cluster_addons_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;