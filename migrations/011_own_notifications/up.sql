-- Revision 011: a user's own notifications, whichever organization they act in.
--
-- `notifications.user_id` holds the recipient's e-mail (the predecessor's "username"), and
-- revision 005 homed every existing notification in VIBOTAJ — including those addressed to
-- buyers, who act in their buyer organizations. Under tenant_isolation alone they could never
-- read them. This policy lets the recipient read, mark and delete their own notifications in
-- any context; creating notifications stays with the organization's context
-- (tenant_isolation), so nobody can write into another user's inbox of another tenant.
-- The recipient's e-mail is read through the own_read policy on users (revision 008), once
-- per statement (an InitPlan), not per row.

-- tracehub:step transaction: own notifications policy
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'notifications' AND policyname = 'own_notifications_read') THEN
        CREATE POLICY own_notifications_read ON notifications FOR SELECT
            USING (user_id = (SELECT u.email FROM users u WHERE u.id = (SELECT app.current_user_id())));
        CREATE POLICY own_notifications_update ON notifications FOR UPDATE
            USING (user_id = (SELECT u.email FROM users u WHERE u.id = (SELECT app.current_user_id())))
            WITH CHECK (user_id = (SELECT u.email FROM users u WHERE u.id = (SELECT app.current_user_id())));
        CREATE POLICY own_notifications_delete ON notifications FOR DELETE
            USING (user_id = (SELECT u.email FROM users u WHERE u.id = (SELECT app.current_user_id())));
    END IF;
END $$;
