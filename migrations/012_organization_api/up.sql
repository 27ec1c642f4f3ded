-- Revision 012: what the organization and member API needs from the database.
--
-- * organizations.status (active | suspended | pending_setup). The table only had is_active,
--   which the authentication functions of revision 008 and the old application read, so the
--   two are kept in step by a trigger: a write of status sets is_active (false only for
--   suspended), a write of is_active alone sets status. Both columns stay truthful for every
--   writer, old or new.
-- * The platform organization (VIBOTAJ, 00000000-0000-0000-0000-000000000001) can never be
--   deleted or leave the active status — the API refuses first; this is the backstop.
-- * Member lists show e-mail and name of users homed in another organization through
--   revision 009's member_read policy on users (read only).
-- * app.organization_member_count(org): the number of active members of an organization the
--   caller is an active member of. The organization list shows counts for every organization
--   of the caller, but org_memberships rows of organizations other than the current one are
--   invisible to them — and a policy on org_memberships cannot look at org_memberships
--   without recursing — so this is a narrow SECURITY DEFINER door (pinned search_path,
--   platform access for its own duration only, executable by tracehub_app only).
-- Everything is idempotent (guarded DO blocks, IF NOT EXISTS, CREATE OR REPLACE).

-- tracehub:step transaction: organization status
DO $$
BEGIN
    CREATE TYPE organization_status AS ENUM ('active', 'suspended', 'pending_setup');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
ALTER TABLE organizations ADD COLUMN IF NOT EXISTS status organization_status;
UPDATE organizations
   SET status = CASE WHEN is_active THEN 'active'::organization_status ELSE 'suspended'::organization_status END
 WHERE status IS NULL;
ALTER TABLE organizations ALTER COLUMN status SET DEFAULT 'active';
ALTER TABLE organizations ALTER COLUMN status SET NOT NULL;
CREATE INDEX IF NOT EXISTS ix_organizations_status ON organizations (status);

CREATE OR REPLACE FUNCTION tracehub_organization_status_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- An explicit is_active = false without a status means suspended.
        IF NOT NEW.is_active AND NEW.status = 'active' THEN
            NEW.status := 'suspended';
        END IF;
        NEW.is_active := NEW.status <> 'suspended';
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.is_active := NEW.status <> 'suspended';
    ELSIF NEW.is_active IS DISTINCT FROM OLD.is_active THEN
        NEW.status := CASE WHEN NEW.is_active THEN 'active'::organization_status ELSE 'suspended'::organization_status END;
    END IF;
    IF NEW.id = '00000000-0000-0000-0000-000000000001' AND NEW.status <> 'active' THEN
        RAISE EXCEPTION 'the platform organization cannot be suspended' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION tracehub_organization_protect() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.id = '00000000-0000-0000-0000-000000000001' THEN
        RAISE EXCEPTION 'the platform organization cannot be deleted' USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
END $$;

DROP TRIGGER IF EXISTS tracehub_organizations_status ON organizations;
CREATE TRIGGER tracehub_organizations_status BEFORE INSERT OR UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION tracehub_organization_status_sync();
DROP TRIGGER IF EXISTS tracehub_organizations_protect ON organizations;
CREATE TRIGGER tracehub_organizations_protect BEFORE DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION tracehub_organization_protect();

-- (Members' user rows are readable through revision 009's member_read policy on users.)

-- tracehub:step transaction: member counts of the caller's organizations
CREATE OR REPLACE FUNCTION app.organization_member_count(p_organization_id uuid)
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT count(*)
      FROM org_memberships m
     WHERE m.organization_id = p_organization_id
       AND m.status = 'active'
       AND EXISTS (SELECT 1 FROM org_memberships mine
                    WHERE mine.organization_id = p_organization_id
                      AND mine.user_id = app.current_user_id()
                      AND mine.status = 'active')
$$;
REVOKE ALL ON FUNCTION app.organization_member_count(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.organization_member_count(uuid) TO tracehub_app;
