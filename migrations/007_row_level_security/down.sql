-- Undo revision 007: policies, row-level security, grants and the tenant-context default.
-- The role tracehub_app stays (roles are cluster-wide). No data changes.

-- tracehub:step transaction: organizations, memberships and invitations
REVOKE ALL ON organizations, org_memberships, invitations, alembic_version FROM tracehub_app;
ALTER TABLE organizations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE organizations DISABLE ROW LEVEL SECURITY;
ALTER TABLE org_memberships NO FORCE ROW LEVEL SECURITY;
ALTER TABLE org_memberships DISABLE ROW LEVEL SECURITY;
ALTER TABLE invitations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE invitations DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS member_read ON organizations;
DROP POLICY IF EXISTS current_update ON organizations;
DROP POLICY IF EXISTS platform_insert ON organizations;
DROP POLICY IF EXISTS platform_write ON organizations;
DROP POLICY IF EXISTS tenant_isolation ON org_memberships;
DROP POLICY IF EXISTS own_read ON org_memberships;
DROP POLICY IF EXISTS tenant_isolation ON invitations;

-- tracehub:step transaction: audit_logs
ALTER TABLE audit_logs ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON audit_logs FROM tracehub_app;
ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_logs DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON audit_logs;
DROP POLICY IF EXISTS tenant_append ON audit_logs;
DROP POLICY IF EXISTS buyer_read ON audit_logs;

-- tracehub:step transaction: notifications
ALTER TABLE notifications ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON notifications FROM tracehub_app;
ALTER TABLE notifications NO FORCE ROW LEVEL SECURITY;
ALTER TABLE notifications DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON notifications;
DROP POLICY IF EXISTS tenant_append ON notifications;
DROP POLICY IF EXISTS buyer_read ON notifications;

-- tracehub:step transaction: container_events
ALTER TABLE container_events ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON container_events FROM tracehub_app;
ALTER TABLE container_events NO FORCE ROW LEVEL SECURITY;
ALTER TABLE container_events DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON container_events;
DROP POLICY IF EXISTS tenant_append ON container_events;
DROP POLICY IF EXISTS buyer_read ON container_events;

-- tracehub:step transaction: reference_registry
ALTER TABLE reference_registry ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON reference_registry FROM tracehub_app;
ALTER TABLE reference_registry NO FORCE ROW LEVEL SECURITY;
ALTER TABLE reference_registry DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON reference_registry;
DROP POLICY IF EXISTS tenant_append ON reference_registry;
DROP POLICY IF EXISTS buyer_read ON reference_registry;

-- tracehub:step transaction: document_contents
ALTER TABLE document_contents ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON document_contents FROM tracehub_app;
ALTER TABLE document_contents NO FORCE ROW LEVEL SECURITY;
ALTER TABLE document_contents DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON document_contents;
DROP POLICY IF EXISTS tenant_append ON document_contents;
DROP POLICY IF EXISTS buyer_read ON document_contents;

-- tracehub:step transaction: documents
ALTER TABLE documents ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON documents FROM tracehub_app;
ALTER TABLE documents NO FORCE ROW LEVEL SECURITY;
ALTER TABLE documents DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON documents;
DROP POLICY IF EXISTS tenant_append ON documents;
DROP POLICY IF EXISTS buyer_read ON documents;

-- tracehub:step transaction: origins
ALTER TABLE origins ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON origins FROM tracehub_app;
ALTER TABLE origins NO FORCE ROW LEVEL SECURITY;
ALTER TABLE origins DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON origins;
DROP POLICY IF EXISTS tenant_append ON origins;
DROP POLICY IF EXISTS buyer_read ON origins;

-- tracehub:step transaction: products
ALTER TABLE products ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON products FROM tracehub_app;
ALTER TABLE products NO FORCE ROW LEVEL SECURITY;
ALTER TABLE products DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON products;
DROP POLICY IF EXISTS tenant_append ON products;
DROP POLICY IF EXISTS buyer_read ON products;

-- tracehub:step transaction: shipments
ALTER TABLE shipments ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON shipments FROM tracehub_app;
ALTER TABLE shipments NO FORCE ROW LEVEL SECURITY;
ALTER TABLE shipments DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON shipments;
DROP POLICY IF EXISTS tenant_append ON shipments;
DROP POLICY IF EXISTS buyer_read ON shipments;

-- tracehub:step transaction: parties
ALTER TABLE parties ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON parties FROM tracehub_app;
ALTER TABLE parties NO FORCE ROW LEVEL SECURITY;
ALTER TABLE parties DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON parties;
DROP POLICY IF EXISTS tenant_append ON parties;
DROP POLICY IF EXISTS buyer_read ON parties;

-- tracehub:step transaction: users
ALTER TABLE users ALTER COLUMN organization_id SET DEFAULT '00000000-0000-0000-0000-000000000001';
REVOKE ALL ON users FROM tracehub_app;
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON users;
DROP POLICY IF EXISTS tenant_append ON users;
DROP POLICY IF EXISTS buyer_read ON users;

-- tracehub:step transaction: the tenant-context functions
REVOKE ALL ON FUNCTION tracehub_org_role_for(userrole), tracehub_membership_for_new_user() FROM tracehub_app;
DROP FUNCTION IF EXISTS app.current_org();
DROP FUNCTION IF EXISTS app.current_user_id();
DROP FUNCTION IF EXISTS app.platform_access();
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracehub_app') THEN
        REVOKE ALL ON SCHEMA public FROM tracehub_app;
    END IF;
END $$;
DROP SCHEMA IF EXISTS app;
