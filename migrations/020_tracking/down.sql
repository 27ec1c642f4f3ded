-- Revision 020 down: the ETA history, the container lookup and the per-shipment event
-- uniqueness go; the events themselves stay.

-- tracehub:step transaction: drop app.tracking_targets and shipment_eta_changes
DROP FUNCTION IF EXISTS app.tracking_targets(text);
DROP TABLE IF EXISTS shipment_eta_changes;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_shipments_container_number;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS uq_container_events_shipment_external_id;
