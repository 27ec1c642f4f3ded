-- Undo revision 004: drop the organization columns (a catalog-only change per table).
-- down_guard.sql refuses this while a row belongs to an organization other than VIBOTAJ.

-- tracehub:step transaction: shipments.buyer_organization_id
ALTER TABLE shipments DROP COLUMN IF EXISTS buyer_organization_id;

-- tracehub:step transaction: audit_logs.organization_id
ALTER TABLE audit_logs DROP COLUMN IF EXISTS organization_id;

-- tracehub:step transaction: notifications.organization_id
ALTER TABLE notifications DROP COLUMN IF EXISTS organization_id;

-- tracehub:step transaction: container_events.organization_id
ALTER TABLE container_events DROP COLUMN IF EXISTS organization_id;

-- tracehub:step transaction: reference_registry.organization_id
ALTER TABLE reference_registry DROP COLUMN IF EXISTS organization_id;

-- tracehub:step transaction: document_contents.organization_id
ALTER TABLE document_contents DROP COLUMN IF EXISTS organization_id;

-- tracehub:step transaction: documents.organization_id
ALTER TABLE documents DROP COLUMN IF EXISTS organization_id;

-- tracehub:step transaction: origins.organization_id
ALTER TABLE origins DROP COLUMN IF EXISTS organization_id;

-- tracehub:step transaction: products.organization_id
ALTER TABLE products DROP COLUMN IF EXISTS organization_id;

-- tracehub:step transaction: shipments.organization_id
ALTER TABLE shipments DROP COLUMN IF EXISTS organization_id;

-- tracehub:step transaction: parties.organization_id
ALTER TABLE parties DROP COLUMN IF EXISTS organization_id;

-- tracehub:step transaction: users.organization_id
ALTER TABLE users DROP COLUMN IF EXISTS organization_id;
