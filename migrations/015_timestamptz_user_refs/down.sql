-- Undo revision 015: the recipient's policies compare the e-mail again; the uuid user
-- references, their triggers and indexes go (the text columns they were derived from never
-- changed, so nothing is lost); the timestamps become `timestamp without time zone` again,
-- catalog-only under TimeZone UTC like the upgrade (their indexes rebuilt concurrently); the
-- functions write `now() AT TIME ZONE 'UTC'` again; the foreign-key indexes 015 added go.

-- tracehub:step transaction: the recipient's notifications by e-mail (revision 011)
DROP POLICY IF EXISTS own_notifications_read ON notifications;
DROP POLICY IF EXISTS own_notifications_update ON notifications;
DROP POLICY IF EXISTS own_notifications_delete ON notifications;
CREATE POLICY own_notifications_read ON notifications FOR SELECT
    USING (user_id = (SELECT u.email FROM users u WHERE u.id = (SELECT app.current_user_id())));
CREATE POLICY own_notifications_update ON notifications FOR UPDATE
    USING (user_id = (SELECT u.email FROM users u WHERE u.id = (SELECT app.current_user_id())))
    WITH CHECK (user_id = (SELECT u.email FROM users u WHERE u.id = (SELECT app.current_user_id())));
CREATE POLICY own_notifications_delete ON notifications FOR DELETE
    USING (user_id = (SELECT u.email FROM users u WHERE u.id = (SELECT app.current_user_id())));

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_document_contents_document_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_reference_registry_document_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_reference_registry_document_content_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_documents_uploaded_by_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_documents_validated_by_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_document_contents_validated_by_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_origins_verified_by_id;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_notifications_recipient_id_created_at;

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_audit_logs_actor_id_timestamp;

-- tracehub:step transaction: documents: uploaded_by_id, validated_by_id
DROP TRIGGER IF EXISTS tracehub_documents_user_refs ON documents;
ALTER TABLE documents DROP COLUMN IF EXISTS uploaded_by_id, DROP COLUMN IF EXISTS validated_by_id;

-- tracehub:step transaction: document_contents: validated_by_id
DROP TRIGGER IF EXISTS tracehub_document_contents_user_refs ON document_contents;
ALTER TABLE document_contents DROP COLUMN IF EXISTS validated_by_id;

-- tracehub:step transaction: origins: verified_by_id
DROP TRIGGER IF EXISTS tracehub_origins_user_refs ON origins;
ALTER TABLE origins DROP COLUMN IF EXISTS verified_by_id;

-- tracehub:step transaction: notifications: recipient_id
DROP TRIGGER IF EXISTS tracehub_notifications_user_refs ON notifications;
ALTER TABLE notifications DROP COLUMN IF EXISTS recipient_id;

-- tracehub:step transaction: audit_logs: actor_id
DROP TRIGGER IF EXISTS tracehub_audit_logs_actor ON audit_logs;
ALTER TABLE audit_logs DROP COLUMN IF EXISTS actor_id;

-- tracehub:step transaction: the trigger functions and the user lookups
DROP FUNCTION IF EXISTS tracehub_derive_user_refs();
DROP FUNCTION IF EXISTS tracehub_audit_actor();
DROP PROCEDURE IF EXISTS app.backfill_user_refs_015(regclass, text[]);
DROP FUNCTION IF EXISTS app.audit_actor_id(text, text);
DROP FUNCTION IF EXISTS app.user_id_for_email(text);

-- tracehub:step transaction: the retyping helper (as in up.sql)
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

-- tracehub:step transaction: users: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('users', ARRAY['created_at', 'updated_at', 'last_login'], 'timestamp', ARRAY[]::text[]);

-- tracehub:step transaction: parties: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('parties', ARRAY['created_at', 'updated_at'], 'timestamp', ARRAY[]::text[]);

-- tracehub:step transaction: shipments: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('shipments', ARRAY['etd', 'eta', 'atd', 'ata', 'created_at', 'updated_at'], 'timestamp', ARRAY['ix_shipments_organization_id_created_at_id', 'ix_shipments_buyer_organization_id_created_at_id']::text[]);
ALTER TABLE shipments ALTER COLUMN created_at SET DEFAULT (now() AT TIME ZONE 'UTC');

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_organization_id_created_at_id ON shipments (organization_id, created_at, id);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_shipments_buyer_organization_id_created_at_id ON shipments (buyer_organization_id, created_at, id);

-- tracehub:step transaction: products: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('products', ARRAY['created_at', 'updated_at'], 'timestamp', ARRAY[]::text[]);

-- tracehub:step transaction: origins: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('origins', ARRAY['risk_assessment_date', 'verified_at', 'eudr_submission_date', 'created_at', 'updated_at'], 'timestamp', ARRAY[]::text[]);

-- tracehub:step transaction: documents: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('documents', ARRAY['uploaded_at', 'validated_at', 'created_at', 'updated_at'], 'timestamp', ARRAY[]::text[]);

-- tracehub:step transaction: document_contents: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('document_contents', ARRAY['validated_at', 'created_at', 'updated_at'], 'timestamp', ARRAY[]::text[]);

-- tracehub:step transaction: reference_registry: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('reference_registry', ARRAY['first_seen_at'], 'timestamp', ARRAY[]::text[]);

-- tracehub:step transaction: container_events: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('container_events', ARRAY['event_timestamp', 'created_at'], 'timestamp', ARRAY['ix_container_events_organization_id_event_timestamp']::text[]);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_container_events_organization_id_event_timestamp ON container_events (organization_id, event_timestamp);

-- tracehub:step transaction: notifications: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('notifications', ARRAY['read_at', 'created_at'], 'timestamp', ARRAY['ix_notifications_user_created', 'ix_notifications_organization_id_user_id_created_at']::text[]);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_notifications_user_created ON notifications (user_id, created_at);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_notifications_organization_id_user_id_created_at ON notifications (organization_id, user_id, created_at);

-- tracehub:step transaction: audit_logs: timestamp without time zone
SET LOCAL TimeZone = 'UTC';
SELECT app.retype_timestamps_015('audit_logs', ARRAY['timestamp'], 'timestamp', ARRAY['ix_audit_logs_timestamp', 'ix_audit_logs_user_timestamp', 'ix_audit_logs_action_timestamp', 'ix_audit_logs_organization_id_timestamp']::text[]);

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_timestamp ON audit_logs ("timestamp");

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_user_timestamp ON audit_logs (username, "timestamp");

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_action_timestamp ON audit_logs (action, "timestamp");

-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_audit_logs_organization_id_timestamp ON audit_logs (organization_id, "timestamp");

-- tracehub:step transaction: the functions of revisions 005, 008 and 013 as they were
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
        coalesce(NEW.created_at AT TIME ZONE 'UTC', now())
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
            now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', v_org);
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

-- tracehub:step no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_users_lower_email;

-- tracehub:step transaction: drop the retyping helper
DROP FUNCTION IF EXISTS app.retype_timestamps_015(regclass, text[], regtype, text[]);
