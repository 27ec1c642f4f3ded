-- Revision 009: the user directory of an organization.
--
-- The users of an organization are the users with a membership in it (org_memberships), not
-- only the rows whose users.organization_id names it: revision 005 made the buyers of buyer
-- organizations members there while their users row stays homed in VIBOTAJ. Revision 007's
-- tenant_isolation shows only homed rows (and 008's own_read the caller's own row), so a
-- buyer organization could not list its own members.
--
-- * member_read: an organization reads the users rows of its members (any membership status,
--   so suspended members stay visible to their administrators). Nothing more: the subquery
--   is itself confined by org_memberships' policies and filtered on the current organization.
-- * own_update: a user may update their own row wherever they act (their name, e-mail and
--   password). Which columns a self-service request may change is the application's rule;
--   changing anyone else's row still needs the row to be homed in the current organization
--   (tenant_isolation) or the audited platform path.
-- * app.email_in_use(email, except): whether an address is taken, case-insensitively, by any
--   user of any organization. The unique index ix_users_email is case-sensitive and spans
--   organizations the caller cannot read, so the application asks through this narrow door
--   (a boolean, nothing else) before creating or renaming an account.
-- Everything is IF NOT EXISTS / CREATE OR REPLACE, so the revision can be re-run.

-- tracehub:step transaction: users: members' rows and the own row
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'users' AND policyname = 'member_read') THEN
        CREATE POLICY member_read ON users FOR SELECT
            USING (id IN (SELECT m.user_id FROM org_memberships m
                           WHERE m.organization_id = (SELECT app.current_org())));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'users' AND policyname = 'own_update') THEN
        CREATE POLICY own_update ON users FOR UPDATE
            USING (id = (SELECT app.current_user_id()))
            WITH CHECK (id = (SELECT app.current_user_id()));
    END IF;
END $$;

-- tracehub:step transaction: e-mail availability across organizations
CREATE OR REPLACE FUNCTION app.email_in_use(p_email text, p_except uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT EXISTS (
        SELECT 1 FROM users u
         WHERE lower(u.email) = lower(btrim(p_email))
           AND u.id IS DISTINCT FROM p_except
    )
$$;
REVOKE ALL ON FUNCTION app.email_in_use(text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.email_in_use(text, uuid) TO tracehub_app;
