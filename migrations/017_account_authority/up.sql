-- Revision 017: what an organization may know about the accounts of its members.
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
