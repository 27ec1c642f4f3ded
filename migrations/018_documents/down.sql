-- Revision 018 down: the predecessor's document columns only. The guard refuses while
-- TraceHub has stored files (their keys and hashes would be lost).

-- tracehub:step transaction: document_contents: no buyer policy
DROP POLICY IF EXISTS buyer_read ON document_contents;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_documents_organization_id_expiry_date;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_documents_shipment_id_content_sha256;

-- tracehub:step transaction: documents: drop the storage key and the content hash
ALTER TABLE documents DROP CONSTRAINT IF EXISTS ck_documents_storage_key;
ALTER TABLE documents DROP CONSTRAINT IF EXISTS ck_documents_content_sha256;
ALTER TABLE documents DROP COLUMN IF EXISTS content_sha256;
ALTER TABLE documents DROP COLUMN IF EXISTS storage_key;
