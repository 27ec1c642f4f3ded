-- Undo revision 006: drop the tenant indexes (concurrently), the per-organization unique
-- reference, the foreign keys and the NOT NULL constraints. No data changes.

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_users_organization_id_email;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_users_organization_id_is_active;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_parties_organization_id_type;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_shipments_organization_id_status;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_shipments_organization_id_created_at;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_products_organization_id_shipment_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_origins_organization_id_product_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_documents_organization_id_shipment_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_documents_organization_id_document_type;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_document_contents_organization_id_document_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_reference_registry_organization_id_reference_number;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_container_events_organization_id_shipment_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_container_events_organization_id_event_timestamp;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_notifications_organization_id_user_id_created_at;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_audit_logs_organization_id_timestamp;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_audit_logs_organization_id_resource_type_resource_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_shipments_buyer_organization_id;

-- tracehub:step transaction: shipments: per-organization unique reference and buyer foreign key
ALTER TABLE shipments DROP CONSTRAINT IF EXISTS uq_shipments_organization_reference;
ALTER TABLE shipments DROP CONSTRAINT IF EXISTS fk_shipments_buyer_organization_id;

-- tracehub:step transaction: audit_logs: foreign key and NOT NULL
ALTER TABLE audit_logs DROP CONSTRAINT IF EXISTS fk_audit_logs_organization_id;
ALTER TABLE audit_logs DROP CONSTRAINT IF EXISTS ck_audit_logs_organization_id_not_null;
ALTER TABLE audit_logs ALTER COLUMN organization_id DROP NOT NULL;

-- tracehub:step transaction: notifications: foreign key and NOT NULL
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS fk_notifications_organization_id;
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS ck_notifications_organization_id_not_null;
ALTER TABLE notifications ALTER COLUMN organization_id DROP NOT NULL;

-- tracehub:step transaction: container_events: foreign key and NOT NULL
ALTER TABLE container_events DROP CONSTRAINT IF EXISTS fk_container_events_organization_id;
ALTER TABLE container_events DROP CONSTRAINT IF EXISTS ck_container_events_organization_id_not_null;
ALTER TABLE container_events ALTER COLUMN organization_id DROP NOT NULL;

-- tracehub:step transaction: reference_registry: foreign key and NOT NULL
ALTER TABLE reference_registry DROP CONSTRAINT IF EXISTS fk_reference_registry_organization_id;
ALTER TABLE reference_registry DROP CONSTRAINT IF EXISTS ck_reference_registry_organization_id_not_null;
ALTER TABLE reference_registry ALTER COLUMN organization_id DROP NOT NULL;

-- tracehub:step transaction: document_contents: foreign key and NOT NULL
ALTER TABLE document_contents DROP CONSTRAINT IF EXISTS fk_document_contents_organization_id;
ALTER TABLE document_contents DROP CONSTRAINT IF EXISTS ck_document_contents_organization_id_not_null;
ALTER TABLE document_contents ALTER COLUMN organization_id DROP NOT NULL;

-- tracehub:step transaction: documents: foreign key and NOT NULL
ALTER TABLE documents DROP CONSTRAINT IF EXISTS fk_documents_organization_id;
ALTER TABLE documents DROP CONSTRAINT IF EXISTS ck_documents_organization_id_not_null;
ALTER TABLE documents ALTER COLUMN organization_id DROP NOT NULL;

-- tracehub:step transaction: origins: foreign key and NOT NULL
ALTER TABLE origins DROP CONSTRAINT IF EXISTS fk_origins_organization_id;
ALTER TABLE origins DROP CONSTRAINT IF EXISTS ck_origins_organization_id_not_null;
ALTER TABLE origins ALTER COLUMN organization_id DROP NOT NULL;

-- tracehub:step transaction: products: foreign key and NOT NULL
ALTER TABLE products DROP CONSTRAINT IF EXISTS fk_products_organization_id;
ALTER TABLE products DROP CONSTRAINT IF EXISTS ck_products_organization_id_not_null;
ALTER TABLE products ALTER COLUMN organization_id DROP NOT NULL;

-- tracehub:step transaction: shipments: foreign key and NOT NULL
ALTER TABLE shipments DROP CONSTRAINT IF EXISTS fk_shipments_organization_id;
ALTER TABLE shipments DROP CONSTRAINT IF EXISTS ck_shipments_organization_id_not_null;
ALTER TABLE shipments ALTER COLUMN organization_id DROP NOT NULL;

-- tracehub:step transaction: parties: foreign key and NOT NULL
ALTER TABLE parties DROP CONSTRAINT IF EXISTS fk_parties_organization_id;
ALTER TABLE parties DROP CONSTRAINT IF EXISTS ck_parties_organization_id_not_null;
ALTER TABLE parties ALTER COLUMN organization_id DROP NOT NULL;

-- tracehub:step transaction: users: foreign key and NOT NULL
ALTER TABLE users DROP CONSTRAINT IF EXISTS fk_users_organization_id;
ALTER TABLE users DROP CONSTRAINT IF EXISTS ck_users_organization_id_not_null;
ALTER TABLE users ALTER COLUMN organization_id DROP NOT NULL;
