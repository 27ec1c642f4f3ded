-- Revision 019: which expiry warnings have been sent.
--
-- A document's expiry is announced to the people who act on it once per urgency level it
-- reaches (info, warning, critical, expired) and expiry date: the daily run may repeat, the
-- warning does not. The notifications themselves are readable only by their recipients, so
-- the record of what was sent is a table of its own, in the document's organization, under
-- the same row-level security as every tenant table. A changed expiry date starts again.

-- tracehub:step transaction: document_expiry_warnings
CREATE TABLE IF NOT EXISTS document_expiry_warnings (
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    expiry_date date NOT NULL,
    urgency text NOT NULL CHECK (urgency IN ('expired', 'critical', 'warning', 'info')),
    organization_id uuid NOT NULL
        DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid)
        REFERENCES organizations (id),
    warned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, expiry_date, urgency)
);
-- Every foreign key has an index (the organization's side of a delete probes it).
CREATE INDEX IF NOT EXISTS ix_document_expiry_warnings_organization_id
    ON document_expiry_warnings (organization_id);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'document_expiry_warnings' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON document_expiry_warnings
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
END $$;
ALTER TABLE document_expiry_warnings ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_expiry_warnings FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, DELETE ON document_expiry_warnings TO tracehub_app;
