-- Revision 023: the web UI's sessions.
--
-- A browser signs in once and then carries an HttpOnly cookie holding a random secret. The
-- server keeps the session itself: which account, which organization it currently acts in
-- (the organization switcher changes it in place), when it was opened and when it expires.
-- Only the secret's SHA-256 is stored, so a copy of the table opens no session.
--
-- A session is checked exactly like a bearer token (app.token_session of revision 016): its
-- id stands for the token's `jti` and its opening instant for `iat`, so what ends an
-- account's tokens — a password change, an admin reset, a deactivation — ends its browser
-- sessions too, and a membership suspended or removed refuses them on the next request.
-- Signing out deletes the row and revokes its id.
--
-- The table lives in the `app` schema beside app.revoked_tokens: the application role
-- reaches it only through the SECURITY DEFINER functions below.

-- tracehub:step transaction: app.web_sessions
CREATE TABLE IF NOT EXISTS app.web_sessions (
    id uuid PRIMARY KEY,
    secret_hash bytea NOT NULL UNIQUE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Whole seconds, like a token's `iat` (see app.revoke_user_tokens).
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_web_sessions_expires_at ON app.web_sessions (expires_at);
CREATE INDEX IF NOT EXISTS ix_web_sessions_user_id ON app.web_sessions (user_id);
REVOKE ALL ON app.web_sessions FROM PUBLIC;

-- tracehub:step transaction: the session functions
-- Opens a session; sweeps a few expired ones on the way, so the table stays as small as
-- the set of live sessions without a job of its own.
CREATE OR REPLACE FUNCTION app.web_session_open(p_id uuid, p_secret_hash bytea, p_user_id uuid,
                                                p_organization_id uuid, p_lifetime interval)
RETURNS timestamptz
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    DELETE FROM app.web_sessions
     WHERE id IN (SELECT id FROM app.web_sessions WHERE expires_at < now() LIMIT 100);
    INSERT INTO app.web_sessions (id, secret_hash, user_id, organization_id, created_at, expires_at)
    VALUES (p_id, p_secret_hash, p_user_id, p_organization_id, date_trunc('second', now()),
            date_trunc('second', now()) + p_lifetime)
    RETURNING expires_at;
$$;

-- The unexpired session a cookie's secret names; no row otherwise.
CREATE OR REPLACE FUNCTION app.web_session(p_secret_hash bytea)
RETURNS TABLE (id uuid, user_id uuid, organization_id uuid, created_at timestamptz,
               expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT s.id, s.user_id, s.organization_id, s.created_at, s.expires_at
      FROM app.web_sessions s
     WHERE s.secret_hash = p_secret_hash AND s.expires_at > now();
$$;

-- Moves a session to another organization of the same account (the switcher). The caller
-- has checked the membership; the next request checks it again, as for every request.
CREATE OR REPLACE FUNCTION app.web_session_switch(p_secret_hash bytea, p_organization_id uuid)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    WITH moved AS (
        UPDATE app.web_sessions SET organization_id = p_organization_id
         WHERE secret_hash = p_secret_hash AND expires_at > now()
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM moved);
$$;

-- Signing out: the row goes, and its id is revoked like a token's `jti`, so what checks
-- the session as a token (the live notification stream re-checks every 30 s) ends too.
CREATE OR REPLACE FUNCTION app.web_session_end(p_secret_hash bytea)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    WITH ended AS (
        DELETE FROM app.web_sessions WHERE secret_hash = p_secret_hash
        RETURNING id, expires_at)
    INSERT INTO app.revoked_tokens (jti, expires_at)
    SELECT id, expires_at FROM ended
    ON CONFLICT (jti) DO NOTHING;
$$;

REVOKE ALL ON FUNCTION app.web_session_open(uuid, bytea, uuid, uuid, interval),
    app.web_session(bytea), app.web_session_switch(bytea, uuid), app.web_session_end(bytea)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.web_session_open(uuid, bytea, uuid, uuid, interval),
    app.web_session(bytea), app.web_session_switch(bytea, uuid), app.web_session_end(bytea)
    TO tracehub_app;
