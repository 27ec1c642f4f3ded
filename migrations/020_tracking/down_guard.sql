-- What dropping revision 020 would destroy: the history of ETA changes.
SELECT 'ETA changes (history)' AS what, count(*) AS lost FROM shipment_eta_changes
