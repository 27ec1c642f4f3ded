-- Revision 016: the per-request token check as one PL/pgSQL function.
--
-- Every authenticated request checks its bearer token: the membership the token names and
-- whether the token was revoked. Revision 008 answers that with two SQL functions; being
-- SECURITY DEFINER they are never inlined, so PostgreSQL parses and plans both bodies on
-- every call. A PL/pgSQL function keeps its plans for the life of the connection, and the
-- server runs the check inside the request's own transaction, on a pooled connection.
-- Same answer as `app.user_membership(...) WHERE NOT app.is_token_revoked(...)`: no row for
-- a revoked token or a membership that does not exist.

-- tracehub:step transaction: app.token_session
CREATE OR REPLACE FUNCTION app.token_session(p_user_id uuid, p_organization_id uuid, p_jti uuid)
RETURNS TABLE (org_role text, status text, org_type text, org_name text, org_slug text,
               org_is_active boolean, user_is_active boolean, user_role text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
BEGIN
    RETURN QUERY
    SELECT m.role::text, m.status::text, o.type::text, o.name::text, o.slug::text,
           o.is_active, u.is_active, u.role::text
      FROM org_memberships m
      JOIN organizations o ON o.id = m.organization_id
      JOIN users u ON u.id = m.user_id
     WHERE m.user_id = p_user_id AND m.organization_id = p_organization_id
       AND NOT EXISTS (SELECT 1 FROM app.revoked_tokens r WHERE r.jti = p_jti);
END
$$;
REVOKE ALL ON FUNCTION app.token_session(uuid, uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.token_session(uuid, uuid, uuid) TO tracehub_app;
