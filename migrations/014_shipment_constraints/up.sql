-- Revision 014: the shipment tables as the platform needs them.
--
-- * The global unique `shipments_reference_key` goes: references are unique per
--   organization (`uq_shipments_organization_reference`, revision 006, ensured here). A
--   global unique would tell one tenant that another uses a reference (a 409 on a row it
--   cannot see).
-- * `shipments.created_at` becomes NOT NULL with a default: the list pages by
--   (created_at, id), and a NULL would fall outside every page. Old rows without it take
--   their updated_at (else the epoch), in batches; NOT NULL goes on through a validated
--   CHECK, so no long lock.
-- * The list's keyset indexes: (organization_id, created_at, id) for an organization's own
--   shipments and (buyer_organization_id, created_at, id) for those assigned to a buyer
--   organization. They make 006's (organization_id, created_at) and (buyer_organization_id)
--   redundant; those are dropped.
-- * Every foreign key of the shipment tables gets an index that leads with its column, so a
--   delete of the referenced row (and the key check) never scans the child table.
-- * app.buyer_organization_exists(id): the one question about another organization a
--   shipment write needs answered (is it an active buyer organization?), behind a narrow
--   SECURITY DEFINER door, since row-level security hides other organizations.
-- Indexes are built and dropped CONCURRENTLY, one statement per step.

-- tracehub:step transaction: shipments: reference unique per organization only
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'shipments'::regclass AND conname = 'uq_shipments_organization_reference') THEN
        RAISE EXCEPTION 'uq_shipments_organization_reference is missing: revision 006 did not complete';
    END IF;
END $$;
ALTER TABLE shipments DROP CONSTRAINT IF EXISTS shipments_reference_key;

-- tracehub:step repeat
UPDATE shipments SET created_at = coalesce(updated_at, '1970-01-01 00:00:00')
 WHERE id IN (SELECT id FROM shipments WHERE created_at IS NULL LIMIT 5000);

-- tracehub:step transaction: shipments.created_at: default and NOT NULL check, not yet validated
ALTER TABLE shipments ALTER COLUMN created_at SET DEFAULT (now() AT TIME ZONE 'UTC');
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'shipments'::regclass AND attname = 'created_at' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'shipments'::regclass AND conname = 'ck_shipments_created_at_not_null') THEN
        ALTER TABLE shipments ADD CONSTRAINT ck_shipments_created_at_not_null CHECK (created_at IS NOT NULL) NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: shipments.created_at: validate the check
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'shipments'::regclass AND conname = 'ck_shipments_created_at_not_null' AND NOT convalidated) THEN
        ALTER TABLE shipments VALIDATE CONSTRAINT ck_shipments_created_at_not_null;
    END IF;
END $$;

-- tracehub:step transaction: shipments.created_at: SET NOT NULL (no scan: the check is validated)
ALTER TABLE shipments ALTER COLUMN created_at SET NOT NULL;
ALTER TABLE shipments DROP CONSTRAINT IF EXISTS ck_shipments_created_at_not_null;

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_organization_id_created_at_id ON shipments (organization_id, created_at, id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_buyer_organization_id_created_at_id ON shipments (buyer_organization_id, created_at, id);

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_shipments_organization_id_created_at;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_shipments_buyer_organization_id;

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_buyer_id ON shipments (buyer_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_supplier_id ON shipments (supplier_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_products_shipment_id ON products (shipment_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_documents_shipment_id ON documents (shipment_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_container_events_shipment_id ON container_events (shipment_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_origins_product_id ON origins (product_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_origins_supplier_id ON origins (supplier_id);

-- tracehub:step transaction: the buyer-organization check
CREATE OR REPLACE FUNCTION app.buyer_organization_exists(p_organization_id uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT EXISTS (SELECT 1 FROM organizations
                    WHERE id = p_organization_id AND type = 'buyer' AND is_active)
$$;
REVOKE ALL ON FUNCTION app.buyer_organization_exists(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.buyer_organization_exists(uuid) TO tracehub_app;
