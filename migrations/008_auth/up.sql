-- Revision 008: the database doors that authentication needs.
--
-- Under revision 007 every tenant table, `users` and `org_memberships` included, reads as
-- empty for `tracehub_app` until a tenant context is set — but at login (and when a bearer
-- token is checked) the tenant is exactly what we do not know yet. Instead of giving the
-- application role a broad bypass, these SECURITY DEFINER functions are the only, narrow
-- ways through:
--
-- * app.login_lookup(email): the credentials row of one user and the organization they land
--   in (primary active membership first, else the oldest active one);
-- * app.set_password_hash(user, expected_old, new): compare-and-set of the password hash, for
--   the bcrypt → argon2id upgrade after a successful login (a concurrent change wins);
-- * app.record_login(user): sets last_login;
-- * app.user_membership(user, organization): the membership, organization and user facts a
--   bearer token is checked against on every request;
-- * app.revoke_token / app.is_token_revoked over app.revoked_tokens (logout). The table has
--   no grant at all: the application reaches it only through these two functions.
--
-- Each function pins `search_path` (no object of the caller's choosing can be resolved),
-- runs with `app.platform_access = on` for its own duration only (so it sees across
-- organizations even when the migrating role is not superuser/BYPASSRLS, while the policies
-- stay FORCEd for everyone else), and is executable by tracehub_app only (not PUBLIC).
--
-- Also: a user may read their own `users` row (policy own_read), so /auth/me works inside a
-- TenantTx for members of organizations other than the one in users.organization_id (the
-- buyer organizations of revision 005).
-- Everything is CREATE OR REPLACE / IF NOT EXISTS, so the revision can be re-run.

-- tracehub:step transaction: revoked tokens
CREATE TABLE IF NOT EXISTS app.revoked_tokens (
    jti uuid PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_revoked_tokens_expires_at ON app.revoked_tokens (expires_at);
REVOKE ALL ON app.revoked_tokens FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracehub_app') THEN
        REVOKE ALL ON app.revoked_tokens FROM tracehub_app;
    END IF;
END $$;

-- tracehub:step transaction: own user row
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'users' AND policyname = 'own_read') THEN
        CREATE POLICY own_read ON users FOR SELECT
            USING (id = (SELECT app.current_user_id()));
    END IF;
END $$;

-- tracehub:step transaction: authentication functions
CREATE OR REPLACE FUNCTION app.login_lookup(p_email text)
RETURNS TABLE (user_id uuid, hashed_password text, is_active boolean, role text, organization_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT u.id, u.hashed_password::text, u.is_active, u.role::text,
           (SELECT m.organization_id
              FROM org_memberships m
              JOIN organizations o ON o.id = m.organization_id
             WHERE m.user_id = u.id AND m.status = 'active' AND o.is_active
             ORDER BY m.is_primary DESC, m.joined_at, m.id
             LIMIT 1)
      FROM users u
     WHERE lower(u.email) = lower(btrim(p_email))
     -- ix_users_email is case-sensitive: prefer the exact spelling if two rows differ in case.
     ORDER BY (u.email = btrim(p_email)) DESC, u.created_at, u.id
     LIMIT 1
$$;

CREATE OR REPLACE FUNCTION app.set_password_hash(p_user_id uuid, p_expected_old_hash text, p_new_hash text)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    WITH changed AS (
        UPDATE users
           SET hashed_password = p_new_hash,
               updated_at = now() AT TIME ZONE 'UTC'
         WHERE id = p_user_id AND hashed_password = p_expected_old_hash
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM changed)
$$;

CREATE OR REPLACE FUNCTION app.record_login(p_user_id uuid)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    UPDATE users SET last_login = now() AT TIME ZONE 'UTC' WHERE id = p_user_id
$$;

CREATE OR REPLACE FUNCTION app.user_membership(p_user_id uuid, p_organization_id uuid)
RETURNS TABLE (org_role text, status text, org_type text, org_name text, org_slug text,
               org_is_active boolean, user_is_active boolean, user_role text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT m.role::text, m.status::text, o.type::text, o.name::text, o.slug::text,
           o.is_active, u.is_active, u.role::text
      FROM org_memberships m
      JOIN organizations o ON o.id = m.organization_id
      JOIN users u ON u.id = m.user_id
     WHERE m.user_id = p_user_id AND m.organization_id = p_organization_id
$$;

CREATE OR REPLACE FUNCTION app.revoke_token(p_jti uuid, p_expires_at timestamptz)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    -- Rows past their expiry can never matter again (the token is refused as expired), so
    -- each revocation also sweeps a few of them: the table stays as small as the set of
    -- live revoked tokens without a separate job.
    DELETE FROM app.revoked_tokens
     WHERE jti IN (SELECT jti FROM app.revoked_tokens WHERE expires_at < now() LIMIT 100);
    INSERT INTO app.revoked_tokens (jti, expires_at) VALUES (p_jti, p_expires_at)
    ON CONFLICT (jti) DO NOTHING;
$$;

CREATE OR REPLACE FUNCTION app.is_token_revoked(p_jti uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT EXISTS (SELECT 1 FROM app.revoked_tokens WHERE jti = p_jti)
$$;

REVOKE ALL ON FUNCTION app.login_lookup(text), app.set_password_hash(uuid, text, text),
    app.record_login(uuid), app.user_membership(uuid, uuid), app.revoke_token(uuid, timestamptz),
    app.is_token_revoked(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.login_lookup(text), app.set_password_hash(uuid, text, text),
    app.record_login(uuid), app.user_membership(uuid, uuid), app.revoke_token(uuid, timestamptz),
    app.is_token_revoked(uuid) TO tracehub_app;
