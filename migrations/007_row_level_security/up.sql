-- Revision 007: row-level security on every tenant table, and the application role.
--
-- * `tracehub_app`: the role the server's queries run as — not the owner, not a member of
--   it, not superuser, NOBYPASSRLS. Roles are cluster-wide, so it is created only if missing
--   and never dropped by the downgrade (other databases of the cluster may use it).
-- * The tenant context lives in transaction-local settings the server sets right after BEGIN
--   with set_config(..., true): `app.current_org`, `app.current_user`, and
--   `app.platform_access` for the explicit, audited cross-organization path of platform
--   admins. They are read through STABLE functions that turn '' (what a setting reads after
--   an earlier local value on the same backend) into NULL, so "no tenant" matches nothing.
-- * ENABLE + FORCE row-level security: without a matching policy a table reads as empty
--   and rejects writes, even for its owner unless that role bypasses RLS (superuser or
--   BYPASSRLS — migrations, backups and the old application need such a role).
-- * A buyer organization reads (never writes) the shipments assigned to it and their
--   documents, events and products. Child policies look up shipments; shipments' policies
--   never look at children, so policies cannot recurse.
-- * audit_logs is append-only for the application: SELECT and INSERT only.
-- * organization_id defaults to the tenant context; without one (the old application,
--   connecting as the owner) rows still land in VIBOTAJ, and for the application role
--   the policy rejects a row without context.
-- Policies are created only if missing; each table is changed in its own short transaction.

-- tracehub:step transaction: the application role and the tenant-context functions
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracehub_app') THEN
        CREATE ROLE tracehub_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    -- The owner may switch to the application role (never the other way round).
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'tracehub_app', 'MEMBER') THEN
        EXECUTE format('GRANT tracehub_app TO %I', current_user);
    END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS app;
CREATE OR REPLACE FUNCTION app.current_org() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('app.current_org', true), '')::uuid
$$;
CREATE OR REPLACE FUNCTION app.current_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('app.current_user', true), '')::uuid
$$;
CREATE OR REPLACE FUNCTION app.platform_access() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('app.platform_access', true), '') = 'on'
$$;
GRANT USAGE ON SCHEMA app TO tracehub_app;
GRANT USAGE ON SCHEMA public TO tracehub_app;
GRANT EXECUTE ON FUNCTION app.current_org(), app.current_user_id(), app.platform_access() TO tracehub_app;
GRANT EXECUTE ON FUNCTION tracehub_org_role_for(userrole), tracehub_membership_for_new_user() TO tracehub_app;

-- tracehub:step transaction: users
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'users' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON users
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
END $$;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE users ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON users TO tracehub_app;

-- tracehub:step transaction: parties
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'parties' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON parties
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
END $$;
ALTER TABLE parties ENABLE ROW LEVEL SECURITY;
ALTER TABLE parties FORCE ROW LEVEL SECURITY;
ALTER TABLE parties ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON parties TO tracehub_app;

-- tracehub:step transaction: shipments
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'shipments' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON shipments
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'shipments' AND policyname = 'buyer_read') THEN
        CREATE POLICY buyer_read ON shipments FOR SELECT
            USING (buyer_organization_id = (SELECT app.current_org()));
    END IF;
END $$;
ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
ALTER TABLE shipments FORCE ROW LEVEL SECURITY;
ALTER TABLE shipments ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON shipments TO tracehub_app;

-- tracehub:step transaction: products
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'products' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON products
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'products' AND policyname = 'buyer_read') THEN
        CREATE POLICY buyer_read ON products FOR SELECT
            USING (shipment_id IN (SELECT s.id FROM shipments s WHERE s.buyer_organization_id = (SELECT app.current_org())));
    END IF;
END $$;
ALTER TABLE products ENABLE ROW LEVEL SECURITY;
ALTER TABLE products FORCE ROW LEVEL SECURITY;
ALTER TABLE products ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON products TO tracehub_app;

-- tracehub:step transaction: origins
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'origins' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON origins
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
END $$;
ALTER TABLE origins ENABLE ROW LEVEL SECURITY;
ALTER TABLE origins FORCE ROW LEVEL SECURITY;
ALTER TABLE origins ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON origins TO tracehub_app;

-- tracehub:step transaction: documents
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'documents' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON documents
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'documents' AND policyname = 'buyer_read') THEN
        CREATE POLICY buyer_read ON documents FOR SELECT
            USING (shipment_id IN (SELECT s.id FROM shipments s WHERE s.buyer_organization_id = (SELECT app.current_org())));
    END IF;
END $$;
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
ALTER TABLE documents ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON documents TO tracehub_app;

-- tracehub:step transaction: document_contents
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'document_contents' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON document_contents
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
END $$;
ALTER TABLE document_contents ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_contents FORCE ROW LEVEL SECURITY;
ALTER TABLE document_contents ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON document_contents TO tracehub_app;

-- tracehub:step transaction: reference_registry
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'reference_registry' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON reference_registry
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
END $$;
ALTER TABLE reference_registry ENABLE ROW LEVEL SECURITY;
ALTER TABLE reference_registry FORCE ROW LEVEL SECURITY;
ALTER TABLE reference_registry ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON reference_registry TO tracehub_app;

-- tracehub:step transaction: container_events
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'container_events' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON container_events
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'container_events' AND policyname = 'buyer_read') THEN
        CREATE POLICY buyer_read ON container_events FOR SELECT
            USING (shipment_id IN (SELECT s.id FROM shipments s WHERE s.buyer_organization_id = (SELECT app.current_org())));
    END IF;
END $$;
ALTER TABLE container_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE container_events FORCE ROW LEVEL SECURITY;
ALTER TABLE container_events ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON container_events TO tracehub_app;

-- tracehub:step transaction: notifications
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'notifications' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON notifications
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
END $$;
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
ALTER TABLE notifications ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON notifications TO tracehub_app;

-- tracehub:step transaction: audit_logs
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'audit_logs' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON audit_logs FOR SELECT
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'audit_logs' AND policyname = 'tenant_append') THEN
        CREATE POLICY tenant_append ON audit_logs FOR INSERT
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
END $$;
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_logs ALTER COLUMN organization_id SET DEFAULT coalesce(app.current_org(), '00000000-0000-0000-0000-000000000001'::uuid);
GRANT SELECT, INSERT ON audit_logs TO tracehub_app;

-- tracehub:step transaction: organizations, memberships and invitations
-- A user sees the organizations they belong to and the current one; changes to an
-- organization need its context. Memberships are visible to their organization and to the
-- user they belong to (to list "my organizations" and switch). Creating and deleting
-- organizations is the platform path only.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'organizations' AND policyname = 'member_read') THEN
        CREATE POLICY member_read ON organizations FOR SELECT
            USING (id = (SELECT app.current_org())
                   OR id IN (SELECT m.organization_id FROM org_memberships m WHERE m.user_id = (SELECT app.current_user_id()))
                   OR (SELECT app.platform_access()));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'organizations' AND policyname = 'current_update') THEN
        CREATE POLICY current_update ON organizations FOR UPDATE
            USING (id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'organizations' AND policyname = 'platform_write') THEN
        CREATE POLICY platform_insert ON organizations FOR INSERT WITH CHECK ((SELECT app.platform_access()));
        CREATE POLICY platform_write ON organizations FOR DELETE USING ((SELECT app.platform_access()));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'org_memberships' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON org_memberships
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
        CREATE POLICY own_read ON org_memberships FOR SELECT
            USING (user_id = (SELECT app.current_user_id()));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'invitations' AND policyname = 'tenant_isolation') THEN
        CREATE POLICY tenant_isolation ON invitations
            USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
            WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
    END IF;
END $$;
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
ALTER TABLE org_memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_memberships FORCE ROW LEVEL SECURITY;
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, org_memberships, invitations TO tracehub_app;
GRANT SELECT ON alembic_version TO tracehub_app;
