-- Revision 021: notifications delivered as they happen.
--
-- * Every change to a user's notifications (new, read, deleted) is announced on the
--   `tracehub_notifications` channel with the recipient's id, so each server instance can
--   push the new unread count to that user's open streams (`GET /notifications/stream`)
--   whichever instance wrote the change. One statement-level trigger per operation: a
--   notification sent to 50 people, or "mark all read", is one trigger call, and PostgreSQL
--   folds the same payload sent twice in one transaction into one.
-- * `notification_preferences`: which kinds a user does not want by e-mail (the in-app
--   inbox always gets everything). The user's own rows, whatever organization they act in.

-- tracehub:step transaction: the notifications channel
CREATE OR REPLACE FUNCTION app.announce_notifications() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('tracehub_notifications', r::text)
           FROM (SELECT DISTINCT recipient_id AS r FROM old_rows WHERE recipient_id IS NOT NULL) s;
    ELSE
        PERFORM pg_notify('tracehub_notifications', r::text)
           FROM (SELECT DISTINCT recipient_id AS r FROM new_rows WHERE recipient_id IS NOT NULL) s;
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS announce_inserted ON notifications;
CREATE TRIGGER announce_inserted AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.announce_notifications();
DROP TRIGGER IF EXISTS announce_updated ON notifications;
CREATE TRIGGER announce_updated AFTER UPDATE ON notifications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.announce_notifications();
DROP TRIGGER IF EXISTS announce_deleted ON notifications;
CREATE TRIGGER announce_deleted AFTER DELETE ON notifications
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.announce_notifications();

-- tracehub:step transaction: notification_preferences
CREATE TABLE IF NOT EXISTS notification_preferences (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('document_uploaded', 'document_validated',
        'document_rejected', 'eta_changed', 'shipment_arrived', 'shipment_departed',
        'shipment_delivered', 'compliance_alert', 'expiry_warning', 'system_alert')),
    email boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind)
);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'notification_preferences' AND policyname = 'own_preferences') THEN
        CREATE POLICY own_preferences ON notification_preferences
            USING (user_id = (SELECT app.current_user_id()))
            WITH CHECK (user_id = (SELECT app.current_user_id()));
    END IF;
END $$;
ALTER TABLE notification_preferences ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_preferences FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON notification_preferences TO tracehub_app;
