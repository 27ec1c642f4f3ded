-- Revision 016: the per-request token check as one PL/pgSQL function, and ending an
-- account's sessions.
--
-- Every authenticated request checks its bearer token: the membership the token names,
-- whether the token was revoked (logout), and whether it was issued before the account's
-- sessions were ended. Revision 008 answers the first two with two SQL functions; being
-- SECURITY DEFINER they are never inlined, so PostgreSQL parses and plans both bodies on
-- every call. A PL/pgSQL function keeps its plans for the life of the connection, and the
-- server runs the check inside the request's own transaction, on a pooled connection.
--
-- A password change, an admin reset or a deactivation ends every session of the account
-- (the predecessor's tokens survived password changes). Tokens are stateless JWTs; listing
-- each one to revoke it would mean storing every token. Instead each account may have a
-- "not before" instant: a token issued (`iat`, whole seconds) before it is refused. It is
-- stored truncated to the second, so a token issued in the same second as the change — the
-- sign-in that follows it — stays valid. The table lives in the `app` schema next to
-- app.revoked_tokens, reachable only through the SECURITY DEFINER functions below; the
-- predecessor's `users` table is untouched.

-- tracehub:step transaction: app.user_token_epochs
CREATE TABLE IF NOT EXISTS app.user_token_epochs (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    not_before timestamptz NOT NULL
);
REVOKE ALL ON app.user_token_epochs FROM PUBLIC;

-- tracehub:step transaction: app.revoke_user_tokens and app.token_session
CREATE OR REPLACE FUNCTION app.revoke_user_tokens(p_user_id uuid)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    INSERT INTO app.user_token_epochs (user_id, not_before)
    VALUES (p_user_id, date_trunc('second', now()))
    ON CONFLICT (user_id) DO UPDATE SET not_before = EXCLUDED.not_before;
$$;

-- No row for a revoked token, a token issued before the account's "not before", or a
-- membership that does not exist; else the facts a request is authorized on.
CREATE OR REPLACE FUNCTION app.token_session(p_user_id uuid, p_organization_id uuid, p_jti uuid,
                                             p_issued_at timestamptz)
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
       AND NOT EXISTS (SELECT 1 FROM app.revoked_tokens r WHERE r.jti = p_jti)
       AND NOT EXISTS (SELECT 1 FROM app.user_token_epochs e
                        WHERE e.user_id = p_user_id AND e.not_before > p_issued_at);
END
$$;
REVOKE ALL ON FUNCTION app.revoke_user_tokens(uuid),
    app.token_session(uuid, uuid, uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.revoke_user_tokens(uuid),
    app.token_session(uuid, uuid, uuid, timestamptz) TO tracehub_app;
