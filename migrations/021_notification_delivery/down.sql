-- Revision 021 down: no more live announcements; e-mail preferences go (everyone gets
-- every kind by e-mail again, if e-mail is configured).

-- tracehub:step transaction: drop the channel triggers and the preferences
DROP TRIGGER IF EXISTS announce_inserted ON notifications;
DROP TRIGGER IF EXISTS announce_updated ON notifications;
DROP TRIGGER IF EXISTS announce_deleted ON notifications;
DROP FUNCTION IF EXISTS app.announce_notifications();
DROP TABLE IF EXISTS notification_preferences;
