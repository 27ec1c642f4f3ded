-- What dropping the organization columns would destroy: the assignment of rows to any
-- organization other than VIBOTAJ, and buyer assignments revision 005 did not derive.
-- Valid at every revision from 004 on.
SELECT 'users rows of other organizations' AS what, count(*) AS lost FROM users WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'parties rows of other organizations', count(*) FROM parties WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'shipments rows of other organizations', count(*) FROM shipments WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'products rows of other organizations', count(*) FROM products WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'origins rows of other organizations', count(*) FROM origins WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'documents rows of other organizations', count(*) FROM documents WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'document_contents rows of other organizations', count(*) FROM document_contents WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'reference_registry rows of other organizations', count(*) FROM reference_registry WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'container_events rows of other organizations', count(*) FROM container_events WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'notifications rows of other organizations', count(*) FROM notifications WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'audit_logs rows of other organizations', count(*) FROM audit_logs WHERE organization_id <> '00000000-0000-0000-0000-000000000001'
UNION ALL
SELECT 'shipments assigned to buyer organizations after the migration', count(*)
FROM shipments s
WHERE s.buyer_organization_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = s.buyer_organization_id AND o.created_by_migration);
