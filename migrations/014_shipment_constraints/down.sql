-- Undo revision 014. The global unique reference comes back only if no reference is used
-- by two organizations: otherwise the downgrade refuses before changing anything and names
-- the references (rename one of each pair, then downgrade again). created_at values filled
-- in by the upgrade stay (they were NULL before); the column becomes nullable again.

-- tracehub:step transaction: refuse while a reference is used by two organizations
DO $$
DECLARE
    duplicates text;
BEGIN
    SELECT string_agg(reference, ', ' ORDER BY reference) INTO duplicates
      FROM (SELECT reference FROM shipments GROUP BY reference HAVING count(*) > 1 LIMIT 20) d;
    IF duplicates IS NOT NULL THEN
        RAISE EXCEPTION 'cannot restore the global unique shipments_reference_key: these shipment references are used by more than one organization: %', duplicates
            USING HINT = 'rename the duplicates so every reference is unique, then run the downgrade again';
    END IF;
END $$;

-- tracehub:step transaction: the buyer-organization check
DROP FUNCTION IF EXISTS app.buyer_organization_exists(uuid);

-- tracehub:step no-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS shipments_reference_key ON shipments (reference);

-- tracehub:step transaction: shipments: global unique reference
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'shipments'::regclass AND conname = 'shipments_reference_key') THEN
        ALTER TABLE shipments ADD CONSTRAINT shipments_reference_key UNIQUE USING INDEX shipments_reference_key;
    END IF;
END $$;

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_organization_id_created_at ON shipments (organization_id, created_at);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_buyer_organization_id ON shipments (buyer_organization_id);

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_shipments_organization_id_created_at_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_shipments_buyer_organization_id_created_at_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_shipments_buyer_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_shipments_supplier_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_products_shipment_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_documents_shipment_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_container_events_shipment_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_origins_product_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_origins_supplier_id;

-- tracehub:step transaction: shipments.created_at nullable, without default
ALTER TABLE shipments ALTER COLUMN created_at DROP NOT NULL;
ALTER TABLE shipments ALTER COLUMN created_at DROP DEFAULT;
