-- Revision 015: time zones on the predecessor's timestamps, user references as uuids, and an
-- index for every foreign key.
--
-- 1. The 31 `timestamp without time zone` columns of the predecessor tables (all holding
--    UTC) become `timestamp with time zone`. With the session TimeZone at UTC and no USING
--    clause, PostgreSQL 12+ changes only the catalog (no table rewrite), so each table is one
--    short transaction under the engine's lock_timeout. Indexes on a converted column would
--    still be rebuilt under the ALTER's ACCESS EXCLUSIVE lock, so the same transaction drops
--    them and the next steps rebuild them CONCURRENTLY, under their old names and
--    definitions (queries that use them run without them for the duration of the build).
--    The database functions and defaults that wrote `now() AT TIME ZONE 'UTC'` now write
--    now(): revision 005's membership trigger, 008's set_password_hash and record_login,
--    013's register_invited_user, 014's default of shipments.created_at.
-- 2. Users referenced by free text get a uuid column next to the text: documents.uploaded_by
--    / validated_by, document_contents.validated_by, origins.verified_by (ON DELETE SET
--    NULL) and notifications.user_id → recipient_id (ON DELETE CASCADE), each with an
--    index, backfilled in batches by matching the text to users.email case-insensitively
--    (text that matches nobody leaves NULL; the text columns stay, for history and for the
--    downgrade). audit_logs gets actor_id WITHOUT a foreign key: audit rows outlive users.
--    It is user_id when that is a uuid, else the user whose e-mail user_id or username is.
--    A BEFORE INSERT (and UPDATE OF the text) trigger derives the uuid for rows whose writer
--    set only the text — the old application during the rollout, any tool writing SQL.
--    The recipient's policies of revision 011 now compare recipient_id.
-- 3. The foreign keys still without an index leading with their columns get one
--    (document_contents.document_id, reference_registry.document_id and
--    document_content_id): deleting a document no longer scans those tables.
-- Everything is IF NOT EXISTS / CREATE OR REPLACE / guarded, so the revision can be re-run.

-- tracehub:step transaction: helpers: retyping timestamps, users by e-mail
-- Converts those of `p_columns` that are not `p_to` yet (so a re-run does nothing), after
-- dropping `p_indexes` (rebuilt concurrently by the following steps). TimeZone is pinned to
-- UTC: that is what makes the conversion catalog-only, in both directions.
CREATE OR REPLACE FUNCTION app.retype_timestamps_015(p_table regclass, p_columns text[], p_to regtype, p_indexes text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
SET TimeZone = 'UTC'
AS $$
DECLARE
    v_alter text;
    v_index text;
BEGIN
    SELECT string_agg(format('ALTER COLUMN %I TYPE %s', a.attname, p_to), ', ' ORDER BY a.attnum)
      INTO v_alter
      FROM pg_attribute a
     WHERE a.attrelid = p_table AND a.attname = ANY (p_columns) AND a.attnum > 0
       AND NOT a.attisdropped AND a.atttypid <> p_to
       AND a.atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype);
    IF v_alter IS NULL THEN
        RETURN;
    END IF;
    FOREACH v_index IN ARRAY p_indexes LOOP
        EXECUTE format('DROP INDEX IF EXISTS %I', v_index);
    END LOOP;
    EXECUTE format('ALTER TABLE %s %s', p_table, v_alter);
END $$;
REVOKE ALL ON FUNCTION app.retype_timestamps_015(regclass, text[], regtype, text[]) FROM PUBLIC;

-- The user a free-text reference names: the e-mail, case-insensitively (the exact spelling
-- first, then the oldest account, as app.login_lookup). Owner-only: the triggers below
-- reach it as SECURITY DEFINER functions.
CREATE OR REPLACE FUNCTION app.user_id_for_email(p_text text)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT u.id FROM users u
     WHERE lower(u.email) = lower(btrim(p_text))
     ORDER BY (u.email = btrim(p_text)) DESC, u.created_at, u.id
     LIMIT 1
$$;
REVOKE ALL ON FUNCTION app.user_id_for_email(text) FROM PUBLIC;

-- An audit row's actor: user_id when it is a uuid (even of a user deleted since), else the
-- user whose e-mail user_id or username is.
CREATE OR REPLACE FUNCTION app.audit_actor_id(p_user_id text, p_username text)
RETURNS uuid
LANGUAGE sql STABLE
AS $$
    SELECT CASE
        WHEN btrim(p_user_id) ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            THEN btrim(p_user_id)::uuid
        ELSE coalesce(app.user_id_for_email(p_user_id), app.user_id_for_email(p_username))
    END
$$;
REVOKE ALL ON FUNCTION app.audit_actor_id(text, text) FROM PUBLIC;

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_lower_email ON users (lower(email));

-- tracehub:step transaction: users: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('users', ARRAY['created_at', 'updated_at', 'last_login'], 'timestamptz', ARRAY[]::text[]);

-- tracehub:step transaction: parties: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('parties', ARRAY['created_at', 'updated_at'], 'timestamptz', ARRAY[]::text[]);

-- tracehub:step transaction: shipments: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('shipments', ARRAY['etd', 'eta', 'atd', 'ata', 'created_at', 'updated_at'], 'timestamptz', ARRAY['ix_shipments_organization_id_created_at_id', 'ix_shipments_buyer_organization_id_created_at_id']::text[]);
ALTER TABLE shipments ALTER COLUMN created_at SET DEFAULT now();

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_organization_id_created_at_id ON shipments (organization_id, created_at, id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_buyer_organization_id_created_at_id ON shipments (buyer_organization_id, created_at, id);

-- tracehub:step transaction: products: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('products', ARRAY['created_at', 'updated_at'], 'timestamptz', ARRAY[]::text[]);

-- tracehub:step transaction: origins: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('origins', ARRAY['risk_assessment_date', 'verified_at', 'eudr_submission_date', 'created_at', 'updated_at'], 'timestamptz', ARRAY[]::text[]);

-- tracehub:step transaction: documents: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('documents', ARRAY['uploaded_at', 'validated_at', 'created_at', 'updated_at'], 'timestamptz', ARRAY[]::text[]);

-- tracehub:step transaction: document_contents: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('document_contents', ARRAY['validated_at', 'created_at', 'updated_at'], 'timestamptz', ARRAY[]::text[]);

-- tracehub:step transaction: reference_registry: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('reference_registry', ARRAY['first_seen_at'], 'timestamptz', ARRAY[]::text[]);

-- tracehub:step transaction: container_events: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('container_events', ARRAY['event_timestamp', 'created_at'], 'timestamptz', ARRAY['ix_container_events_organization_id_event_timestamp']::text[]);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_container_events_organization_id_event_timestamp ON container_events (organization_id, event_timestamp);

-- tracehub:step transaction: notifications: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('notifications', ARRAY['read_at', 'created_at'], 'timestamptz', ARRAY['ix_notifications_user_created', 'ix_notifications_organization_id_user_id_created_at']::text[]);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_notifications_user_created ON notifications (user_id, created_at);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_notifications_organization_id_user_id_created_at ON notifications (organization_id, user_id, created_at);

-- tracehub:step transaction: audit_logs: timestamp with time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('audit_logs', ARRAY['timestamp'], 'timestamptz', ARRAY['ix_audit_logs_timestamp', 'ix_audit_logs_user_timestamp', 'ix_audit_logs_action_timestamp', 'ix_audit_logs_organization_id_timestamp']::text[]);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_timestamp ON audit_logs ("timestamp");

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_user_timestamp ON audit_logs (username, "timestamp");

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_action_timestamp ON audit_logs (action, "timestamp");

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_organization_id_timestamp ON audit_logs (organization_id, "timestamp");
-- tracehub:step transaction: functions that wrote `now() AT TIME ZONE 'UTC'` write now()
CREATE OR REPLACE FUNCTION tracehub_membership_for_new_user() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    org uuid := coalesce(NEW.organization_id, '00000000-0000-0000-0000-000000000001');
BEGIN
    INSERT INTO org_memberships (id, organization_id, user_id, role, status, is_primary, joined_at)
    VALUES (
        md5('tracehub:membership:' || org || ':' || NEW.id)::uuid, org, NEW.id,
        tracehub_org_role_for(NEW.role), 'active',
        NOT EXISTS (SELECT 1 FROM org_memberships m WHERE m.user_id = NEW.id AND m.is_primary),
        coalesce(NEW.created_at, now())
    )
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION app.set_password_hash(p_user_id uuid, p_expected_old_hash text, p_new_hash text)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    WITH changed AS (
        UPDATE users
           SET hashed_password = p_new_hash,
               updated_at = now()
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
    UPDATE users SET last_login = now() WHERE id = p_user_id
$$;

CREATE OR REPLACE FUNCTION app.register_invited_user(p_token_hash text, p_email text,
    p_full_name text, p_password_hash text, p_role text)
RETURNS TABLE (user_id uuid, membership_id uuid, organization_id uuid, role text,
               is_primary boolean, joined_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    v_id uuid;
    v_org uuid;
    v_role org_role;
    v_user uuid := gen_random_uuid();
BEGIN
    -- Invitations never make administrators or compliance officers: those system roles
    -- are granted by a platform admin, not by a shareable link.
    IF p_role NOT IN ('VIEWER', 'BUYER', 'SUPPLIER', 'LOGISTICS_AGENT') THEN
        RAISE EXCEPTION 'system role % cannot be granted by an invitation', p_role
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Locks the invitation: a concurrent registration (or accept) with the same token
    -- waits here and then no longer finds it pending.
    SELECT i.id, i.organization_id, i.role INTO v_id, v_org, v_role
      FROM invitations i
     WHERE i.token_hash = p_token_hash AND i.status = 'pending' AND i.expires_at > now()
       AND lower(i.email) = lower(btrim(p_email))
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = lower(btrim(p_email))) THEN
        RAISE EXCEPTION 'an account with this e-mail exists'
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'ix_users_email';
    END IF;
    INSERT INTO users (id, email, hashed_password, full_name, role, is_active, created_at,
                       updated_at, organization_id)
    VALUES (v_user, lower(btrim(p_email)), p_password_hash, p_full_name, p_role::userrole, true,
            now(), now(), v_org);
    UPDATE invitations i
       SET status = 'accepted', accepted_by = v_user, accepted_at = now()
     WHERE i.id = v_id;
    -- Revision 005's trigger gave the user a membership already; make it the invited one.
    DELETE FROM org_memberships m WHERE m.user_id = v_user AND m.organization_id <> v_org;
    RETURN QUERY
    INSERT INTO org_memberships AS m (organization_id, user_id, role, status, is_primary)
    VALUES (v_org, v_user, v_role, 'active', true)
    ON CONFLICT ON CONSTRAINT uq_org_user
        DO UPDATE SET role = EXCLUDED.role, status = 'active', is_primary = true, updated_at = now()
    RETURNING v_user, m.id, m.organization_id, m.role::text, m.is_primary, m.joined_at;
END $$;

-- tracehub:step transaction: the trigger functions that derive user uuids from the text
-- Arguments: pairs of (text column, uuid column). On INSERT a NULL uuid is derived from the
-- text; on UPDATE a changed text re-derives the uuid unless the same statement set it. The
-- columns are read and written through jsonb, so one function serves every table.
CREATE OR REPLACE FUNCTION tracehub_derive_user_refs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_new jsonb := to_jsonb(NEW);
    v_old jsonb;
    v_set jsonb := '{}'::jsonb;
    v_text text;
    v_id text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        v_old := to_jsonb(OLD);
    END IF;
    FOR i IN 0 .. TG_NARGS - 1 BY 2 LOOP
        v_text := TG_ARGV[i];
        v_id := TG_ARGV[i + 1];
        IF v_old IS NULL THEN
            IF v_new ->> v_id IS NULL AND v_new ->> v_text IS NOT NULL THEN
                v_set := v_set || jsonb_build_object(v_id, app.user_id_for_email(v_new ->> v_text));
            END IF;
        ELSIF (v_new ->> v_text) IS DISTINCT FROM (v_old ->> v_text)
              AND (v_new ->> v_id) IS NOT DISTINCT FROM (v_old ->> v_id) THEN
            v_set := v_set || jsonb_build_object(v_id, app.user_id_for_email(v_new ->> v_text));
        END IF;
    END LOOP;
    IF v_set <> '{}'::jsonb THEN
        NEW := jsonb_populate_record(NEW, v_set);
    END IF;
    RETURN NEW;
END $$;

-- audit_logs is append-only: its actor is derived on INSERT only.
CREATE OR REPLACE FUNCTION tracehub_audit_actor() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF NEW.actor_id IS NULL THEN
        NEW.actor_id := app.audit_actor_id(NEW.user_id, NEW.username);
    END IF;
    RETURN NEW;
END $$;

-- tracehub:step transaction: documents: uploaded_by_id, validated_by_id
ALTER TABLE documents ADD COLUMN IF NOT EXISTS uploaded_by_id uuid;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS validated_by_id uuid;
DROP TRIGGER IF EXISTS tracehub_documents_user_refs ON documents;
CREATE TRIGGER tracehub_documents_user_refs BEFORE INSERT OR UPDATE OF uploaded_by, validated_by ON documents
    FOR EACH ROW EXECUTE FUNCTION tracehub_derive_user_refs('uploaded_by', 'uploaded_by_id', 'validated_by', 'validated_by_id');

-- tracehub:step transaction: document_contents: validated_by_id
ALTER TABLE document_contents ADD COLUMN IF NOT EXISTS validated_by_id uuid;
DROP TRIGGER IF EXISTS tracehub_document_contents_user_refs ON document_contents;
CREATE TRIGGER tracehub_document_contents_user_refs BEFORE INSERT OR UPDATE OF validated_by ON document_contents
    FOR EACH ROW EXECUTE FUNCTION tracehub_derive_user_refs('validated_by', 'validated_by_id');

-- tracehub:step transaction: origins: verified_by_id
ALTER TABLE origins ADD COLUMN IF NOT EXISTS verified_by_id uuid;
DROP TRIGGER IF EXISTS tracehub_origins_user_refs ON origins;
CREATE TRIGGER tracehub_origins_user_refs BEFORE INSERT OR UPDATE OF verified_by ON origins
    FOR EACH ROW EXECUTE FUNCTION tracehub_derive_user_refs('verified_by', 'verified_by_id');

-- tracehub:step transaction: notifications: recipient_id
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS recipient_id uuid;
DROP TRIGGER IF EXISTS tracehub_notifications_user_refs ON notifications;
CREATE TRIGGER tracehub_notifications_user_refs BEFORE INSERT OR UPDATE OF user_id ON notifications
    FOR EACH ROW EXECUTE FUNCTION tracehub_derive_user_refs('user_id', 'recipient_id');

-- tracehub:step transaction: audit_logs: actor_id (no foreign key: audit rows outlive users)
ALTER TABLE audit_logs ADD COLUMN IF NOT EXISTS actor_id uuid;
DROP TRIGGER IF EXISTS tracehub_audit_logs_actor ON audit_logs;
CREATE TRIGGER tracehub_audit_logs_actor BEFORE INSERT ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION tracehub_audit_actor();

-- Backfills. Linear, whatever the table size: each table is walked once in primary-key
-- order, 10000 rows a transaction (row locks are held for one batch only, so the running
-- application never waits long), each batch one set-based UPDATE of all the table's user
-- columns against a map of e-mail → user built once. E-mails that two users share up to case
-- (the unique index is case-sensitive) are left to app.user_id_for_email, which prefers the
-- exact spelling; there are few or none. The foreign keys are added after the backfill, so
-- the rewritten rows pay no per-row reference check (VALIDATE checks them once, in bulk).
-- A re-run after a crash walks the tables again and fills only what is still NULL.
--
-- audit_logs is NOT backfilled: the audit log is append-only and its history is not
-- rewritten (at the M1 size that would be 2M row versions). Rows written from this revision
-- on get actor_id from their trigger; for older rows readers derive it with
-- app.audit_actor_id(user_id, username).

-- tracehub:step transaction: the backfill procedure
CREATE OR REPLACE PROCEDURE app.backfill_user_refs_015(p_table regclass, p_pairs text[])
LANGUAGE plpgsql AS $$
DECLARE
    v_last uuid := '00000000-0000-0000-0000-000000000000';
    v_next uuid;
    v_set text := '';
    v_todo text := '';
    v_ambiguous text := '';
    i integer;
BEGIN
    -- p_pairs: text column, uuid column, text column, uuid column, …
    FOR i IN 1 .. array_length(p_pairs, 1) BY 2 LOOP
        v_set := v_set || CASE WHEN i > 1 THEN ', ' ELSE '' END
              || format('%2$I = coalesce(t.%2$I, (SELECT m.id FROM tracehub_email_map m WHERE m.key = lower(btrim(t.%1$I))))',
                        p_pairs[i], p_pairs[i + 1]);
        v_todo := v_todo || CASE WHEN i > 1 THEN ' OR ' ELSE '' END
              || format('(t.%2$I IS NULL AND EXISTS (SELECT 1 FROM tracehub_email_map m WHERE m.key = lower(btrim(t.%1$I))))',
                        p_pairs[i], p_pairs[i + 1]);
    END LOOP;
    DROP TABLE IF EXISTS pg_temp.tracehub_email_map;
    CREATE TEMP TABLE tracehub_email_map (key text PRIMARY KEY, id uuid NOT NULL);
    INSERT INTO tracehub_email_map
    SELECT lower(email), min(id::text)::uuid FROM users GROUP BY lower(email) HAVING count(*) = 1;
    ANALYZE tracehub_email_map;
    COMMIT;
    LOOP
        EXECUTE format('SELECT id FROM (SELECT id FROM %s WHERE id > $1 ORDER BY id LIMIT 10000) b ORDER BY id DESC LIMIT 1', p_table)
           INTO v_next USING v_last;
        EXIT WHEN v_next IS NULL;
        EXECUTE format('UPDATE %s t SET %s WHERE t.id > $1 AND t.id <= $2 AND (%s)', p_table, v_set, v_todo)
          USING v_last, v_next;
        COMMIT;
        v_last := v_next;
    END LOOP;
    -- The few e-mails two users share up to case: the exact spelling decides.
    FOR i IN 1 .. array_length(p_pairs, 1) BY 2 LOOP
        EXECUTE format(
            'UPDATE %1$s t SET %3$I = app.user_id_for_email(t.%2$I)
              WHERE t.%3$I IS NULL AND t.%2$I IS NOT NULL
                AND lower(btrim(t.%2$I)) IN (SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1)',
            p_table, p_pairs[i], p_pairs[i + 1]);
        COMMIT;
    END LOOP;
    DROP TABLE IF EXISTS pg_temp.tracehub_email_map;
END
$$;

-- tracehub:step no-transaction parallel
CALL app.backfill_user_refs_015('documents', ARRAY['uploaded_by', 'uploaded_by_id', 'validated_by', 'validated_by_id']);

-- tracehub:step no-transaction parallel
CALL app.backfill_user_refs_015('document_contents', ARRAY['validated_by', 'validated_by_id']);

-- tracehub:step no-transaction parallel
CALL app.backfill_user_refs_015('origins', ARRAY['verified_by', 'verified_by_id']);

-- tracehub:step no-transaction parallel
CALL app.backfill_user_refs_015('notifications', ARRAY['user_id', 'recipient_id']);

-- tracehub:step transaction: drop the backfill procedure
DROP PROCEDURE IF EXISTS app.backfill_user_refs_015(regclass, text[]);

-- tracehub:step transaction: the foreign keys to users (NOT VALID: a short lock each)
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'documents'::regclass AND conname = 'documents_uploaded_by_id_fkey') THEN
        ALTER TABLE documents ADD CONSTRAINT documents_uploaded_by_id_fkey FOREIGN KEY (uploaded_by_id)
            REFERENCES users (id) ON DELETE SET NULL NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'documents'::regclass AND conname = 'documents_validated_by_id_fkey') THEN
        ALTER TABLE documents ADD CONSTRAINT documents_validated_by_id_fkey FOREIGN KEY (validated_by_id)
            REFERENCES users (id) ON DELETE SET NULL NOT VALID;
    END IF;
END $$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'document_contents'::regclass AND conname = 'document_contents_validated_by_id_fkey') THEN
        ALTER TABLE document_contents ADD CONSTRAINT document_contents_validated_by_id_fkey FOREIGN KEY (validated_by_id)
            REFERENCES users (id) ON DELETE SET NULL NOT VALID;
    END IF;
END $$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'origins'::regclass AND conname = 'origins_verified_by_id_fkey') THEN
        ALTER TABLE origins ADD CONSTRAINT origins_verified_by_id_fkey FOREIGN KEY (verified_by_id)
            REFERENCES users (id) ON DELETE SET NULL NOT VALID;
    END IF;
END $$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'notifications'::regclass AND conname = 'notifications_recipient_id_fkey') THEN
        ALTER TABLE notifications ADD CONSTRAINT notifications_recipient_id_fkey FOREIGN KEY (recipient_id)
            REFERENCES users (id) ON DELETE CASCADE NOT VALID;
    END IF;
END $$;

-- tracehub:step transaction lock_timeout=0: validate the foreign keys to users
DO $$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT conrelid::regclass AS tab, conname FROM pg_constraint
              WHERE contype = 'f' AND NOT convalidated
                AND conname IN ('documents_uploaded_by_id_fkey', 'documents_validated_by_id_fkey',
                                'document_contents_validated_by_id_fkey', 'origins_verified_by_id_fkey',
                                'notifications_recipient_id_fkey') LOOP
        EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', v.tab, v.conname);
    END LOOP;
END $$;

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_documents_uploaded_by_id ON documents (uploaded_by_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_documents_validated_by_id ON documents (validated_by_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_document_contents_validated_by_id ON document_contents (validated_by_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_origins_verified_by_id ON origins (verified_by_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_notifications_recipient_id_created_at ON notifications (recipient_id, created_at);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_actor_id_timestamp ON audit_logs (actor_id, "timestamp");

-- tracehub:step transaction: the recipient's notifications by recipient_id
DROP POLICY IF EXISTS own_notifications_read ON notifications;
DROP POLICY IF EXISTS own_notifications_update ON notifications;
DROP POLICY IF EXISTS own_notifications_delete ON notifications;
CREATE POLICY own_notifications_read ON notifications FOR SELECT
    USING (recipient_id = (SELECT app.current_user_id()));
CREATE POLICY own_notifications_update ON notifications FOR UPDATE
    USING (recipient_id = (SELECT app.current_user_id()))
    WITH CHECK (recipient_id = (SELECT app.current_user_id()));
CREATE POLICY own_notifications_delete ON notifications FOR DELETE
    USING (recipient_id = (SELECT app.current_user_id()));

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_document_contents_document_id ON document_contents (document_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_reference_registry_document_id ON reference_registry (document_id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_reference_registry_document_content_id ON reference_registry (document_content_id);

-- tracehub:step transaction: drop the retyping helper
DROP FUNCTION IF EXISTS app.retype_timestamps_015(regclass, text[], regtype, text[]);
