-- Revision 022 down: the queue (pending work is lost: it is re-enqueued by the next
-- period after an upgrade) and the provider's call record go.

-- tracehub:step transaction: drop the queue and the provider's record
DROP FUNCTION IF EXISTS app.claim_provider_call(text, integer);
DROP TABLE IF EXISTS tracking_provider_budget;
DROP TABLE IF EXISTS tracking_provider_calls;
DROP TABLE IF EXISTS jobs;
DROP FUNCTION IF EXISTS app.organizations_with_expiring_documents(date);
DROP FUNCTION IF EXISTS app.shipments_to_track(uuid, integer);
