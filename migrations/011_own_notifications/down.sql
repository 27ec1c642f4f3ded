-- Undo revision 011: notifications are visible by organization only again. No data changes.

-- tracehub:step transaction: drop own notifications policies
DROP POLICY IF EXISTS own_notifications_delete ON notifications;
DROP POLICY IF EXISTS own_notifications_update ON notifications;
DROP POLICY IF EXISTS own_notifications_read ON notifications;
