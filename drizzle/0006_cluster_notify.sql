-- Every change to what a cluster's document shows is announced on the kaas_clusters channel,
-- after commit, as "<project_id>/<name>": the API's read cache drops that entry. Lease renewals
-- alone (the worker's every pass) change nothing a reader sees and stay silent.
CREATE FUNCTION "kaas_notify_cluster_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - 'lease_owner' - 'lease_expires_at')
      IS NOT DISTINCT FROM (to_jsonb(NEW) - 'lease_owner' - 'lease_expires_at') THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    PERFORM pg_notify('kaas_clusters', OLD.project_id::text || '/' || OLD.name);
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.project_id <> OLD.project_id OR NEW.name <> OLD.name) THEN
    PERFORM pg_notify('kaas_clusters', NEW.project_id::text || '/' || NEW.name);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "clusters_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "clusters"
  FOR EACH ROW EXECUTE FUNCTION "kaas_notify_cluster_change"();
