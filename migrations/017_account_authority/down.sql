-- Revision 017 down: revision 016's server reads and writes with revision 007's policies and
-- grants, which are put back here.

-- tracehub:step transaction: users: the whole row again
DROP FUNCTION IF EXISTS app.set_account_state(uuid, text, boolean);
GRANT UPDATE ON users TO tracehub_app;

-- tracehub:step transaction: audit_logs and notifications as revision 007 made them
DROP POLICY IF EXISTS tenant_isolation ON audit_logs;
CREATE POLICY tenant_isolation ON audit_logs FOR SELECT
    USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));
DROP POLICY IF EXISTS tenant_insert ON notifications;
DROP POLICY IF EXISTS tenant_isolation ON notifications;
CREATE POLICY tenant_isolation ON notifications
    USING (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()))
    WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));

-- tracehub:step transaction: drop the functions
DROP FUNCTION IF EXISTS app.buyer_organization_related(uuid);
DROP FUNCTION IF EXISTS app.current_member_role();
DROP FUNCTION IF EXISTS app.account_belongs_elsewhere(uuid);
