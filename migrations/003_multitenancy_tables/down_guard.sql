-- What dropping the multi-tenancy tables would destroy beyond revision 005's own derived
-- data (revision 005's guard covers that): organizations created after the migration, with
-- their memberships and invitations. Valid at every revision from 003 on.
SELECT 'organizations created after the migration' AS what, count(*) AS lost
FROM organizations
WHERE NOT created_by_migration
UNION ALL
SELECT 'memberships in those organizations', count(*)
FROM org_memberships m
JOIN organizations o ON o.id = m.organization_id
WHERE NOT o.created_by_migration
UNION ALL
SELECT 'invitations to those organizations', count(*)
FROM invitations i
JOIN organizations o ON o.id = i.organization_id
WHERE NOT o.created_by_migration;
