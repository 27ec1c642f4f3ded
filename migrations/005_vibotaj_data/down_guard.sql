-- What undoing revision 005 would destroy: its organizations (VIBOTAJ and the derived buyer
-- organizations) are re-derived by a new upgrade, but not what was added to them later —
-- memberships created or changed after the migration, and invitations. Valid at every
-- revision from 005 on.
SELECT 'memberships created or changed after the migration' AS what, count(*) AS lost
FROM org_memberships m
JOIN organizations o ON o.id = m.organization_id AND o.created_by_migration
JOIN users u ON u.id = m.user_id
WHERE m.id <> md5('tracehub:membership:' || m.organization_id || ':' || m.user_id)::uuid
   OR m.status <> 'active'
   OR m.role <> tracehub_org_role_for(u.role)
UNION ALL
SELECT 'invitations to VIBOTAJ or the buyer organizations', count(*)
FROM invitations i
JOIN organizations o ON o.id = i.organization_id AND o.created_by_migration
UNION ALL
SELECT 'changes to VIBOTAJ or the buyer organizations after the migration', count(*)
FROM organizations o
WHERE o.created_by_migration AND o.updated_at > o.created_at;
