-- Revision 018: documents stored by TraceHub.
--
-- * `storage_key`: where the file lives in the configured storage — generated from the
--   organization, shipment and document ids, never from the client's file name. NULL for
--   the predecessor's rows, which name a file under its UPLOAD_DIR in `file_path`; new rows
--   leave `file_path` NULL, so no server path is ever stored or returned again.
-- * `content_sha256`: the hex SHA-256 of the stored bytes: integrity, and the duplicate
--   report ("the same file is already on this shipment").
-- * Indexes for the two new lookups: the duplicate check (shipment, hash) and the expiry
--   report (organization, expiry date). Both partial: most rows have neither.
-- * A buyer organization reads the contents (sections) of the documents it may read, like
--   the documents themselves (revision 007 gave document_contents no buyer policy).
-- * The audit log stays append-only for the application role (revision 007's grants:
--   SELECT and INSERT only); a test holds that.

-- tracehub:step transaction: documents: storage key and content hash
ALTER TABLE documents ADD COLUMN IF NOT EXISTS storage_key text;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS content_sha256 text;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'documents'::regclass AND conname = 'ck_documents_content_sha256') THEN
        ALTER TABLE documents ADD CONSTRAINT ck_documents_content_sha256
            CHECK (content_sha256 ~ '^[0-9a-f]{64}$') NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'documents'::regclass AND conname = 'ck_documents_storage_key') THEN
        ALTER TABLE documents ADD CONSTRAINT ck_documents_storage_key
            CHECK (storage_key = organization_id::text || '/' || shipment_id::text || '/' || id::text) NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: documents: validate the checks (every existing row is NULL)
ALTER TABLE documents VALIDATE CONSTRAINT ck_documents_content_sha256;
ALTER TABLE documents VALIDATE CONSTRAINT ck_documents_storage_key;

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_documents_shipment_id_content_sha256
    ON documents (shipment_id, content_sha256) WHERE content_sha256 IS NOT NULL;

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_documents_organization_id_expiry_date
    ON documents (organization_id, expiry_date) WHERE expiry_date IS NOT NULL;

-- tracehub:step transaction: document_contents: buyers read the contents of their documents
DROP POLICY IF EXISTS buyer_read ON document_contents;
CREATE POLICY buyer_read ON document_contents FOR SELECT
    USING (document_id IN (SELECT d.id FROM documents d
                            WHERE d.shipment_id IN (SELECT s.id FROM shipments s
                                                     WHERE s.buyer_organization_id = (SELECT app.current_org()))));
