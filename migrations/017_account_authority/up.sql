-- Revision 017: authority over accounts, and row visibility that follows what the application
-- shows.
--
-- Authority over an account follows the caller's role in the acting organization, and an
-- account that also belongs to another organization is changed only by itself or by a
-- platform admin (an organization admin may only remove it from his organization). Whether
-- an account belongs elsewhere is not visible to the acting organization under row-level
-- security (memberships of other organizations are hidden), so this SECURITY DEFINER
-- function answers that one boolean — and only for accounts that are members of the current
-- organization, so that it tells nothing about anyone else (NULL).

-- tracehub:step transaction: app.account_belongs_elsewhere
CREATE OR REPLACE FUNCTION app.account_belongs_elsewhere(p_user_id uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT u.organization_id IS DISTINCT FROM app.current_org()
           OR EXISTS (SELECT 1 FROM org_memberships other
                       WHERE other.user_id = u.id
                         AND other.organization_id <> app.current_org())
      FROM users u
     WHERE u.id = p_user_id
       AND EXISTS (SELECT 1 FROM org_memberships mine
                    WHERE mine.user_id = u.id
                      AND mine.organization_id = app.current_org())
$$;
REVOKE ALL ON FUNCTION app.account_belongs_elsewhere(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.account_belongs_elsewhere(uuid) TO tracehub_app;

-- Row visibility follows what the application shows (the hardening review): revision 007
-- let every member of an organization read all of its notifications and audit rows, and
-- update any column of his own users row (own_update) — his system role and activation
-- included — should injected SQL ever run as the application role.

-- tracehub:step transaction: app.current_member_role
-- The caller's active organization role in the current organization. SECURITY DEFINER: a
-- policy on a table cannot read org_memberships through that table's own policies without
-- recursing, and the caller may not see other members' rows.
CREATE OR REPLACE FUNCTION app.current_member_role()
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT m.role::text FROM org_memberships m
     WHERE m.user_id = app.current_user_id()
       AND m.organization_id = app.current_org()
       AND m.status = 'active'
$$;
REVOKE ALL ON FUNCTION app.current_member_role() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.current_member_role() TO tracehub_app;

-- tracehub:step transaction: notifications: the recipient's alone
-- Reading, marking and deleting stay with own_notifications_* (revision 015, by
-- recipient_id); the organization may still write notifications for its members.
DROP POLICY IF EXISTS tenant_isolation ON notifications;
DROP POLICY IF EXISTS tenant_insert ON notifications;
CREATE POLICY tenant_insert ON notifications FOR INSERT
    WITH CHECK (organization_id = (SELECT app.current_org()) OR (SELECT app.platform_access()));

-- tracehub:step transaction: audit_logs: read by the organization's owners, admins and managers
-- (the audit:view permission), and on the platform path.
DROP POLICY IF EXISTS tenant_isolation ON audit_logs;
CREATE POLICY tenant_isolation ON audit_logs FOR SELECT
    USING ((organization_id = (SELECT app.current_org())
            AND (SELECT app.current_member_role()) IN ('owner', 'admin', 'manager'))
           OR (SELECT app.platform_access()));

-- tracehub:step transaction: users: column-level UPDATE, role and activation through a function
REVOKE UPDATE ON users FROM tracehub_app;
GRANT UPDATE (email, full_name, hashed_password, updated_at, last_login) ON users TO tracehub_app;

-- The system role and activation of an account. Never one's own; the system role only on
-- the platform path; activation by an active owner or admin of the organization the account
-- is homed in (or on the platform path). The application decides the same first
-- (domain::user_admin); this is the database's backstop. NULL leaves a value as it is.
-- Returns whether the row changed. No SET of app.platform_access: the checks read the
-- caller's own transaction settings.
CREATE OR REPLACE FUNCTION app.set_account_state(p_user_id uuid, p_role text, p_is_active boolean)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    WITH changed AS (
        UPDATE users u
           SET role = coalesce(p_role::userrole, u.role),
               is_active = coalesce(p_is_active, u.is_active),
               updated_at = now()
         WHERE u.id = p_user_id
           AND u.id IS DISTINCT FROM app.current_user_id()
           AND (p_role IS NULL OR app.platform_access())
           AND (app.platform_access()
                OR (u.organization_id = app.current_org()
                    AND app.current_member_role() IN ('owner', 'admin')))
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM changed)
$$;
REVOKE ALL ON FUNCTION app.set_account_state(uuid, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.set_account_state(uuid, text, boolean) TO tracehub_app;

-- tracehub:step transaction: app.buyer_organization_related
-- A shipment may be assigned only to a buyer organization related to the shipment's owner:
-- one revision 005 derived from one of the owner's buyer parties (same id derivation), or one
-- whose invitation a member of the owner's organization sent and someone accepted (how a
-- platform admin brings a new buyer aboard). Revision 014's check accepted any active buyer
-- organization, so any exporter could push its shipments into any buyer's view.
CREATE OR REPLACE FUNCTION app.buyer_organization_related(p_organization_id uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT EXISTS (
        SELECT 1 FROM organizations b
         WHERE b.id = p_organization_id AND b.type = 'buyer' AND b.is_active
           AND (EXISTS (SELECT 1 FROM parties p
                         WHERE p.organization_id = app.current_org()
                           AND p.type = 'BUYER'
                           AND md5('tracehub:buyer:' || lower(btrim(p.company_name)))::uuid = b.id)
                OR EXISTS (SELECT 1 FROM invitations i
                             JOIN org_memberships inviter
                               ON inviter.user_id = i.invited_by
                              AND inviter.organization_id = app.current_org()
                            WHERE i.organization_id = b.id AND i.status = 'accepted'))
    )
$$;
REVOKE ALL ON FUNCTION app.buyer_organization_related(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.buyer_organization_related(uuid) TO tracehub_app;
