-- Revision 010: login throttling kept in PostgreSQL, so every server instance shares it.
--
-- One row per throttled key ('account:<lower e-mail>' or 'ip:<address>'): a fixed window
-- and the attempts counted in it. A login first *claims* an attempt on each of its keys
-- (app.login_throttle_claim): the counters go up atomically (INSERT … ON CONFLICT DO UPDATE
-- locks the row), so concurrent guesses cannot slip past the limit between a check and an
-- increment. If any key is over its limit the login is refused before the password is even
-- checked, and the answer says how long to wait. A successful login gives its claims back
-- (app.login_throttle_release): the account's counter restarts, the address's claim is
-- returned — so only failures count, and an office behind one address is not locked out by
-- its own successful logins.
--
-- The table has no grant: tracehub_app reaches it only through the two functions. Rows of
-- windows long past are swept a few at a time by each claim, so the table stays small
-- without a separate job.

-- tracehub:step transaction: throttle table and functions
CREATE SCHEMA IF NOT EXISTS app;
CREATE TABLE IF NOT EXISTS app.login_throttle (
    key text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    attempts integer NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_login_throttle_window_start ON app.login_throttle (window_start);
REVOKE ALL ON app.login_throttle FROM PUBLIC;

-- Claims one attempt on each key; returns the seconds to wait when any key is over its
-- limit (then nothing is counted for that attempt), else 0. p_limits[i] applies to p_keys[i].
CREATE OR REPLACE FUNCTION app.login_throttle_claim(p_keys text[], p_limits integer[], p_window_seconds integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_window interval := make_interval(secs => p_window_seconds);
    v_wait integer := 0;
    v_row app.login_throttle;
    i integer;
BEGIN
    DELETE FROM app.login_throttle
     WHERE key IN (SELECT key FROM app.login_throttle
                    WHERE window_start < now() - 2 * v_window LIMIT 100);
    FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
        INSERT INTO app.login_throttle AS t (key, window_start, attempts)
        VALUES (p_keys[i], now(), 1)
        ON CONFLICT (key) DO UPDATE
           SET window_start = CASE WHEN t.window_start < now() - v_window THEN now() ELSE t.window_start END,
               attempts = CASE WHEN t.window_start < now() - v_window THEN 1 ELSE t.attempts + 1 END
        RETURNING * INTO v_row;
        IF v_row.attempts > p_limits[i] THEN
            v_wait := greatest(v_wait,
                ceil(extract(epoch FROM (v_row.window_start + v_window - now())))::integer, 1);
        END IF;
    END LOOP;
    IF v_wait > 0 THEN
        -- A refused attempt does not count: waiting out the window is enough.
        UPDATE app.login_throttle SET attempts = attempts - 1
         WHERE key = ANY (p_keys) AND attempts > 0;
    END IF;
    RETURN v_wait;
END
$$;

-- Gives a successful login's claims back: the account key restarts, other keys return one.
CREATE OR REPLACE FUNCTION app.login_throttle_release(p_reset_key text, p_return_keys text[])
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    DELETE FROM app.login_throttle WHERE key = p_reset_key;
    UPDATE app.login_throttle SET attempts = attempts - 1
     WHERE key = ANY (p_return_keys) AND attempts > 0;
$$;

REVOKE ALL ON FUNCTION app.login_throttle_claim(text[], integer[], integer),
    app.login_throttle_release(text, text[]) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracehub_app') THEN
        REVOKE ALL ON app.login_throttle FROM tracehub_app;
        GRANT EXECUTE ON FUNCTION app.login_throttle_claim(text[], integer[], integer),
            app.login_throttle_release(text, text[]) TO tracehub_app;
    END IF;
END $$;
