-- Undo revision 012. organizations.status is dropped: is_active (kept in step with it) still
-- says whether an organization is suspended; only the pending_setup distinction is lost.

-- tracehub:step transaction: member counts of the caller's organizations
DROP FUNCTION IF EXISTS app.organization_member_count(uuid);

-- tracehub:step transaction: organization status
DROP TRIGGER IF EXISTS tracehub_organizations_protect ON organizations;
DROP TRIGGER IF EXISTS tracehub_organizations_status ON organizations;
DROP FUNCTION IF EXISTS tracehub_organization_protect();
DROP FUNCTION IF EXISTS tracehub_organization_status_sync();
DROP INDEX IF EXISTS ix_organizations_status;
ALTER TABLE organizations DROP COLUMN IF EXISTS status;
DROP TYPE IF EXISTS organization_status;
