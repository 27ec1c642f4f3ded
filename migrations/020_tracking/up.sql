-- Revision 020: container events from carriers and the tracking provider.
--
-- * An event is stored once per shipment: `external_id` (the provider's event id, or
--   "<container>-<type>-<timestamp>" when it sends none) is unique per shipment. The
--   predecessor checked it across all shipments, so one organization could pre-register
--   ids and suppress another's events; per shipment it cannot. Its rows already satisfy
--   this (its global check was stricter); should a copy not, the build stops with
--   PostgreSQL's "could not create unique index … Key (…) is duplicated", which names
--   the pair to remove, and the revision resumes from here when run again.
-- * `shipments.container_number` gets an index: carriers' webhooks name a container, not
--   an organization, and the server must find its shipments at thousands of events a
--   second.
-- * `shipment_eta_changes`: every change of a shipment's ETA, kept as history (who moved
--   it, from what to what), in the shipment's organization, read by its buyer too.
-- * `app.tracking_targets`: the one way from a container number to the shipments that
--   follow it, for the webhooks, which have no tenant context of their own. It answers
--   ids only, per organization the newest shipment carrying the container that is not
--   closed (a container is reused voyage after voyage; several exporters may share one).

-- tracehub:step no-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_container_events_shipment_external_id
    ON container_events (organization_id, shipment_id, external_id) WHERE external_id IS NOT NULL;

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_container_number
    ON shipments (container_number);

-- tracehub:step transaction: shipment_eta_changes
CREATE TABLE IF NOT EXISTS shipment_eta_changes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL
        DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid)
        REFERENCES organizations (id),
    shipment_id uuid NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    previous_eta timestamptz,
    new_eta timestamptz NOT NULL,
    -- e.g. `webhook:carrier`, `webhook:jsoncargo`, `provider:simulated`.
    source text NOT NULL CHECK (length(source) BETWEEN 1 AND 50),
    event_id uuid REFERENCES container_events (id) ON DELETE SET NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_shipment_eta_changes_organization_id_shipment_id
    ON shipment_eta_changes (organization_id, shipment_id, changed_at);
CREATE INDEX IF NOT EXISTS ix_shipment_eta_changes_shipment_id ON shipment_eta_changes (shipment_id);
CREATE INDEX IF NOT EXISTS ix_shipment_eta_changes_event_id ON shipment_eta_changes (event_id);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'shipment_eta_changes' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON shipment_eta_changes
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'shipment_eta_changes' AND policyname = 'buyer_read') THEN
        CREATE POLICY buyer_read ON shipment_eta_changes FOR SELECT
            USING (shipment_id IN (SELECT s.id FROM shipments s
                                    WHERE s.buyer_organization_id = (SELECT app.current_org())));
    END IF;
END $$;
ALTER TABLE shipment_eta_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE shipment_eta_changes FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON shipment_eta_changes TO tracehub_app;

-- tracehub:step transaction: app.tracking_targets
CREATE OR REPLACE FUNCTION app.tracking_targets(p_container text)
RETURNS TABLE (organization_id uuid, shipment_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT DISTINCT ON (s.organization_id) s.organization_id, s.id
      FROM public.shipments s
     WHERE s.container_number = p_container AND s.status <> 'CLOSED'
     ORDER BY s.organization_id, s.created_at DESC NULLS LAST, s.id DESC
$$;
REVOKE ALL ON FUNCTION app.tracking_targets(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.tracking_targets(text) TO tracehub_app;
