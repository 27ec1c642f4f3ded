-- Revision 004: an organization_id column on every application table, plus the buyer
-- organization a shipment is assigned to.
--
-- Online-safe by construction: `ADD COLUMN ... DEFAULT <constant>` only touches the catalog
-- (PostgreSQL >= 11), so each table is locked for milliseconds and never rewritten. The
-- constant default is the VIBOTAJ organization id: every existing row reads it at once, and
-- rows the old application inserts while the migration runs (it knows nothing of
-- organizations) land in VIBOTAJ instead of NULL. A later revision replaces the default with
-- the request's tenant context. One small transaction per table keeps each lock short.

-- tracehub:step transaction: users.organization_id
ALTER TABLE users ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: parties.organization_id
ALTER TABLE parties ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: shipments.organization_id
ALTER TABLE shipments ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: products.organization_id
ALTER TABLE products ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: origins.organization_id
ALTER TABLE origins ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: documents.organization_id
ALTER TABLE documents ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: document_contents.organization_id
ALTER TABLE document_contents ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: reference_registry.organization_id
ALTER TABLE reference_registry ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: container_events.organization_id
ALTER TABLE container_events ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: notifications.organization_id
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: audit_logs.organization_id
ALTER TABLE audit_logs ADD COLUMN IF NOT EXISTS organization_id uuid DEFAULT '00000000-0000-0000-0000-000000000001';

-- tracehub:step transaction: shipments.buyer_organization_id
-- The buyer organization that may read this shipment (filled by revision 005 from buyer_id).
ALTER TABLE shipments ADD COLUMN IF NOT EXISTS buyer_organization_id uuid;
