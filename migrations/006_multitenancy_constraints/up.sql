-- Revision 006: organization_id becomes NOT NULL and a foreign key everywhere, tenant
-- indexes lead with organization_id, and shipment references are unique per organization.
--
-- Online-safe (no application query waits more than about a second on a lock):
-- * NOT NULL: a CHECK (organization_id IS NOT NULL) added NOT VALID (instant), validated
--   under SHARE UPDATE EXCLUSIVE (reads and writes go on), then SET NOT NULL, which skips
--   its table scan thanks to the validated check, then the check is dropped.
-- * Foreign keys: added NOT VALID (brief lock; new rows are checked from then on), then
--   validated in a transaction of their own.
-- * Indexes: CREATE INDEX CONCURRENTLY, one statement per step outside a transaction; an
--   invalid leftover of an interrupted build is dropped and built again by the engine.
-- * Per-organization unique reference: a unique index built concurrently, then attached as
--   a constraint (instant). The global unique reference stays until the application that
--   relies on it is gone (a later revision drops it).
-- Steps that only validate wait for their lock without a timeout: SHARE UPDATE EXCLUSIVE
-- does not block the application, so waiting for it queues nobody behind it.

-- tracehub:step transaction: users: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'users'::regclass AND conname = 'ck_users_organization_id_not_null') THEN
        ALTER TABLE users ADD CONSTRAINT ck_users_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'users'::regclass AND conname = 'fk_users_organization_id') THEN
        ALTER TABLE users ADD CONSTRAINT fk_users_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: users: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'users'::regclass AND conname = 'ck_users_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE users VALIDATE CONSTRAINT ck_users_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'users'::regclass AND conname = 'fk_users_organization_id' AND NOT convalidated) THEN
        ALTER TABLE users VALIDATE CONSTRAINT fk_users_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: users: SET NOT NULL (no scan: the check is validated)
ALTER TABLE users ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT IF EXISTS ck_users_organization_id_not_null;

-- tracehub:step transaction: parties: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'parties'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'parties'::regclass AND conname = 'ck_parties_organization_id_not_null') THEN
        ALTER TABLE parties ADD CONSTRAINT ck_parties_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'parties'::regclass AND conname = 'fk_parties_organization_id') THEN
        ALTER TABLE parties ADD CONSTRAINT fk_parties_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: parties: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'parties'::regclass AND conname = 'ck_parties_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE parties VALIDATE CONSTRAINT ck_parties_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'parties'::regclass AND conname = 'fk_parties_organization_id' AND NOT convalidated) THEN
        ALTER TABLE parties VALIDATE CONSTRAINT fk_parties_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: parties: SET NOT NULL (no scan: the check is validated)
ALTER TABLE parties ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE parties DROP CONSTRAINT IF EXISTS ck_parties_organization_id_not_null;

-- tracehub:step transaction: shipments: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'shipments'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'shipments'::regclass AND conname = 'ck_shipments_organization_id_not_null') THEN
        ALTER TABLE shipments ADD CONSTRAINT ck_shipments_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'shipments'::regclass AND conname = 'fk_shipments_organization_id') THEN
        ALTER TABLE shipments ADD CONSTRAINT fk_shipments_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: shipments: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'shipments'::regclass AND conname = 'ck_shipments_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE shipments VALIDATE CONSTRAINT ck_shipments_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'shipments'::regclass AND conname = 'fk_shipments_organization_id' AND NOT convalidated) THEN
        ALTER TABLE shipments VALIDATE CONSTRAINT fk_shipments_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: shipments: SET NOT NULL (no scan: the check is validated)
ALTER TABLE shipments ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE shipments DROP CONSTRAINT IF EXISTS ck_shipments_organization_id_not_null;

-- tracehub:step transaction: products: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'products'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'products'::regclass AND conname = 'ck_products_organization_id_not_null') THEN
        ALTER TABLE products ADD CONSTRAINT ck_products_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'products'::regclass AND conname = 'fk_products_organization_id') THEN
        ALTER TABLE products ADD CONSTRAINT fk_products_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: products: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'products'::regclass AND conname = 'ck_products_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE products VALIDATE CONSTRAINT ck_products_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'products'::regclass AND conname = 'fk_products_organization_id' AND NOT convalidated) THEN
        ALTER TABLE products VALIDATE CONSTRAINT fk_products_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: products: SET NOT NULL (no scan: the check is validated)
ALTER TABLE products ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE products DROP CONSTRAINT IF EXISTS ck_products_organization_id_not_null;

-- tracehub:step transaction: origins: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'origins'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'origins'::regclass AND conname = 'ck_origins_organization_id_not_null') THEN
        ALTER TABLE origins ADD CONSTRAINT ck_origins_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'origins'::regclass AND conname = 'fk_origins_organization_id') THEN
        ALTER TABLE origins ADD CONSTRAINT fk_origins_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: origins: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'origins'::regclass AND conname = 'ck_origins_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE origins VALIDATE CONSTRAINT ck_origins_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'origins'::regclass AND conname = 'fk_origins_organization_id' AND NOT convalidated) THEN
        ALTER TABLE origins VALIDATE CONSTRAINT fk_origins_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: origins: SET NOT NULL (no scan: the check is validated)
ALTER TABLE origins ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE origins DROP CONSTRAINT IF EXISTS ck_origins_organization_id_not_null;

-- tracehub:step transaction: documents: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'documents'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'documents'::regclass AND conname = 'ck_documents_organization_id_not_null') THEN
        ALTER TABLE documents ADD CONSTRAINT ck_documents_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'documents'::regclass AND conname = 'fk_documents_organization_id') THEN
        ALTER TABLE documents ADD CONSTRAINT fk_documents_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: documents: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'documents'::regclass AND conname = 'ck_documents_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE documents VALIDATE CONSTRAINT ck_documents_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'documents'::regclass AND conname = 'fk_documents_organization_id' AND NOT convalidated) THEN
        ALTER TABLE documents VALIDATE CONSTRAINT fk_documents_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: documents: SET NOT NULL (no scan: the check is validated)
ALTER TABLE documents ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE documents DROP CONSTRAINT IF EXISTS ck_documents_organization_id_not_null;

-- tracehub:step transaction: document_contents: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'document_contents'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'document_contents'::regclass AND conname = 'ck_document_contents_organization_id_not_null') THEN
        ALTER TABLE document_contents ADD CONSTRAINT ck_document_contents_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'document_contents'::regclass AND conname = 'fk_document_contents_organization_id') THEN
        ALTER TABLE document_contents ADD CONSTRAINT fk_document_contents_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: document_contents: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'document_contents'::regclass AND conname = 'ck_document_contents_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE document_contents VALIDATE CONSTRAINT ck_document_contents_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'document_contents'::regclass AND conname = 'fk_document_contents_organization_id' AND NOT convalidated) THEN
        ALTER TABLE document_contents VALIDATE CONSTRAINT fk_document_contents_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: document_contents: SET NOT NULL (no scan: the check is validated)
ALTER TABLE document_contents ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE document_contents DROP CONSTRAINT IF EXISTS ck_document_contents_organization_id_not_null;

-- tracehub:step transaction: reference_registry: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'reference_registry'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'reference_registry'::regclass AND conname = 'ck_reference_registry_organization_id_not_null') THEN
        ALTER TABLE reference_registry ADD CONSTRAINT ck_reference_registry_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'reference_registry'::regclass AND conname = 'fk_reference_registry_organization_id') THEN
        ALTER TABLE reference_registry ADD CONSTRAINT fk_reference_registry_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: reference_registry: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'reference_registry'::regclass AND conname = 'ck_reference_registry_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE reference_registry VALIDATE CONSTRAINT ck_reference_registry_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'reference_registry'::regclass AND conname = 'fk_reference_registry_organization_id' AND NOT convalidated) THEN
        ALTER TABLE reference_registry VALIDATE CONSTRAINT fk_reference_registry_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: reference_registry: SET NOT NULL (no scan: the check is validated)
ALTER TABLE reference_registry ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE reference_registry DROP CONSTRAINT IF EXISTS ck_reference_registry_organization_id_not_null;

-- tracehub:step transaction: container_events: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'container_events'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'container_events'::regclass AND conname = 'ck_container_events_organization_id_not_null') THEN
        ALTER TABLE container_events ADD CONSTRAINT ck_container_events_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'container_events'::regclass AND conname = 'fk_container_events_organization_id') THEN
        ALTER TABLE container_events ADD CONSTRAINT fk_container_events_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: container_events: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'container_events'::regclass AND conname = 'ck_container_events_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE container_events VALIDATE CONSTRAINT ck_container_events_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'container_events'::regclass AND conname = 'fk_container_events_organization_id' AND NOT convalidated) THEN
        ALTER TABLE container_events VALIDATE CONSTRAINT fk_container_events_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: container_events: SET NOT NULL (no scan: the check is validated)
ALTER TABLE container_events ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE container_events DROP CONSTRAINT IF EXISTS ck_container_events_organization_id_not_null;

-- tracehub:step transaction: notifications: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'notifications'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'notifications'::regclass AND conname = 'ck_notifications_organization_id_not_null') THEN
        ALTER TABLE notifications ADD CONSTRAINT ck_notifications_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'notifications'::regclass AND conname = 'fk_notifications_organization_id') THEN
        ALTER TABLE notifications ADD CONSTRAINT fk_notifications_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: notifications: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'notifications'::regclass AND conname = 'ck_notifications_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE notifications VALIDATE CONSTRAINT ck_notifications_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'notifications'::regclass AND conname = 'fk_notifications_organization_id' AND NOT convalidated) THEN
        ALTER TABLE notifications VALIDATE CONSTRAINT fk_notifications_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: notifications: SET NOT NULL (no scan: the check is validated)
ALTER TABLE notifications ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS ck_notifications_organization_id_not_null;

-- tracehub:step transaction: audit_logs: NOT NULL check and foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'audit_logs'::regclass AND attname = 'organization_id' AND attnotnull)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'audit_logs'::regclass AND conname = 'ck_audit_logs_organization_id_not_null') THEN
        ALTER TABLE audit_logs ADD CONSTRAINT ck_audit_logs_organization_id_not_null CHECK (organization_id IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'audit_logs'::regclass AND conname = 'fk_audit_logs_organization_id') THEN
        ALTER TABLE audit_logs ADD CONSTRAINT fk_audit_logs_organization_id FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE RESTRICT NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: audit_logs: validate the check and the foreign key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'audit_logs'::regclass AND conname = 'ck_audit_logs_organization_id_not_null' AND NOT convalidated) THEN
        ALTER TABLE audit_logs VALIDATE CONSTRAINT ck_audit_logs_organization_id_not_null;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'audit_logs'::regclass AND conname = 'fk_audit_logs_organization_id' AND NOT convalidated) THEN
        ALTER TABLE audit_logs VALIDATE CONSTRAINT fk_audit_logs_organization_id;
    END IF;
END $$;

-- tracehub:step transaction: audit_logs: SET NOT NULL (no scan: the check is validated)
ALTER TABLE audit_logs ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE audit_logs DROP CONSTRAINT IF EXISTS ck_audit_logs_organization_id_not_null;

-- tracehub:step transaction: shipments: buyer organization foreign key, not yet validated
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'shipments'::regclass AND conname = 'fk_shipments_buyer_organization_id') THEN
        ALTER TABLE shipments ADD CONSTRAINT fk_shipments_buyer_organization_id FOREIGN KEY (buyer_organization_id)
            REFERENCES organizations (id) ON DELETE SET NULL NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: shipments: validate the buyer organization foreign key
ALTER TABLE shipments VALIDATE CONSTRAINT fk_shipments_buyer_organization_id;

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_organization_id_email ON users (organization_id, email);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_organization_id_is_active ON users (organization_id, is_active);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_parties_organization_id_type ON parties (organization_id, type);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_organization_id_status ON shipments (organization_id, status);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_organization_id_created_at ON shipments (organization_id, created_at);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_products_organization_id_shipment_id ON products (organization_id, shipment_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_origins_organization_id_product_id ON origins (organization_id, product_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_documents_organization_id_shipment_id ON documents (organization_id, shipment_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_documents_organization_id_document_type ON documents (organization_id, document_type);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_document_contents_organization_id_document_id ON document_contents (organization_id, document_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_reference_registry_organization_id_reference_number ON reference_registry (organization_id, reference_number);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_container_events_organization_id_shipment_id ON container_events (organization_id, shipment_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_container_events_organization_id_event_timestamp ON container_events (organization_id, event_timestamp);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_notifications_organization_id_user_id_created_at ON notifications (organization_id, user_id, created_at);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_organization_id_timestamp ON audit_logs (organization_id, "timestamp");

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_organization_id_resource_type_resource_id ON audit_logs (organization_id, resource_type, resource_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_buyer_organization_id ON shipments (buyer_organization_id);

-- tracehub:step no-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_shipments_organization_reference ON shipments (organization_id, reference);

-- tracehub:step transaction: shipments: reference unique per organization
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'shipments'::regclass AND conname = 'uq_shipments_organization_reference') THEN
        ALTER TABLE shipments ADD CONSTRAINT uq_shipments_organization_reference
            UNIQUE USING INDEX uq_shipments_organization_reference;
    END IF;
END $$;
