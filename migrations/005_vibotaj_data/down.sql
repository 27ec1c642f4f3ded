-- Undo revision 005: remove exactly what it derived — its trigger and function, the buyer
-- links to the organizations it created, their memberships, and those organizations
-- (VIBOTAJ included). Rows keep their organization_id (revision 004 owns the column), and
-- anything created later in other organizations stays; revisions 004 and 003 guard that.

-- tracehub:step transaction: the membership trigger
DROP TRIGGER IF EXISTS tracehub_users_membership ON users;
DROP FUNCTION IF EXISTS tracehub_membership_for_new_user();

-- tracehub:step repeat: unlink shipments from the buyer organizations 005 created
UPDATE shipments SET buyer_organization_id = NULL
WHERE id IN (
    SELECT s.id FROM shipments s
    JOIN organizations o ON o.id = s.buyer_organization_id AND o.created_by_migration
    LIMIT 20000
);

-- tracehub:step transaction: the derived memberships and organizations
DELETE FROM org_memberships m
USING organizations o
WHERE o.id = m.organization_id AND o.created_by_migration;
DELETE FROM organizations WHERE created_by_migration;
DROP FUNCTION IF EXISTS tracehub_org_role_for(userrole);
