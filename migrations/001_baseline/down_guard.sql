-- What undoing the baseline would destroy: every row of every application table.
SELECT 'users rows' AS what, count(*) AS lost FROM users
UNION ALL SELECT 'parties rows', count(*) FROM parties
UNION ALL SELECT 'shipments rows', count(*) FROM shipments
UNION ALL SELECT 'products rows', count(*) FROM products
UNION ALL SELECT 'origins rows', count(*) FROM origins
UNION ALL SELECT 'documents rows', count(*) FROM documents
UNION ALL SELECT 'document_contents rows', count(*) FROM document_contents
UNION ALL SELECT 'reference_registry rows', count(*) FROM reference_registry
UNION ALL SELECT 'container_events rows', count(*) FROM container_events
UNION ALL SELECT 'notifications rows', count(*) FROM notifications
UNION ALL SELECT 'audit_logs rows', count(*) FROM audit_logs;
