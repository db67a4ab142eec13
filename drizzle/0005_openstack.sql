CREATE TABLE "cluster_secrets" (
	"cluster_id" uuid NOT NULL,
	"name" text NOT NULL,
	"envelope" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cluster_secrets_cluster_id_name_pk" PRIMARY KEY("cluster_id","name")
);
--> statement-breakpoint
CREATE TABLE "openstack_cloud_grants" (
	"cloud_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "openstack_cloud_grants_cloud_id_project_id_pk" PRIMARY KEY("cloud_id","project_id")
);
--> statement-breakpoint
CREATE TABLE "openstack_clouds" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"auth_url" text NOT NULL,
	"region" text NOT NULL,
	"endpoint_interface" text NOT NULL,
	"credential_type" text NOT NULL,
	"credentials" text NOT NULL,
	"ca_bundle" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "openstack_clouds_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "openstack_cloud_grants" ADD CONSTRAINT "openstack_cloud_grants_cloud_id_openstack_clouds_id_fk" FOREIGN KEY ("cloud_id") REFERENCES "public"."openstack_clouds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "openstack_cloud_grants" ADD CONSTRAINT "openstack_cloud_grants_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;