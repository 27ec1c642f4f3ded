-- Revision 013: invitations — their message, one open invitation per address, and the
-- database doors of the invitation flow.
--
-- Validating a token (public), accepting it and registering with it all start from the
-- token alone: the organization is what the invitation tells us, and row-level security
-- (revision 007) hides every other organization's invitations, users and memberships. These
-- SECURITY DEFINER functions are the only, narrow ways through, each keyed on a secret
-- (the token's hash) or on the caller's own identity:
--
-- * app.invitation_by_token(hash): the facts a token holder may see (validate, accept,
--   register), including whether an account with the invited e-mail exists;
-- * app.invitation_for_invitee(id, user): one invitation, only when it is addressed to the
--   e-mail of that user (the invitee reading it while not yet a member);
-- * app.current_org_has_member(email): whether the current organization (the caller's
--   tenant context) has a member with that e-mail — users of other home organizations are
--   invisible to RLS, yet inviting an existing member must be refused;
-- * app.claim_invitation(hash, user): the single-use claim and the membership, in one
--   statement-level transaction step; the claim is an UPDATE … WHERE status = 'pending'
--   AND expires_at > now(), so of concurrent claims exactly one matches;
-- * app.register_invited_user(hash, email, name, password hash, role): claim, user and
--   exactly the invited membership (revision 005's trigger adds one on user insert; it is
--   turned into the invited one and any other removed).
--
-- Like revision 008: pinned search_path (and TimeZone, so the `timestamp` columns of
-- `users` get UTC), `app.platform_access = on` for the function's own duration, EXECUTE for
-- tracehub_app only. Everything is IF NOT EXISTS / CREATE OR REPLACE, so it can be re-run.

-- tracehub:step transaction: invitation message and one open invitation per address
ALTER TABLE invitations ADD COLUMN IF NOT EXISTS custom_message character varying(1000);
ALTER TABLE invitations ADD COLUMN IF NOT EXISTS redirect_url character varying(500);
-- Pending invitations past their expiry are marked expired before a new one is created, so
-- this index means "one open invitation per organization and address", also under races.
-- Live pending rows cannot be duplicated by any earlier code (invitations are new in 003).
CREATE UNIQUE INDEX IF NOT EXISTS uq_invitations_pending_email
    ON invitations (organization_id, lower(email)) WHERE status = 'pending';

-- tracehub:step transaction: invitation functions
CREATE OR REPLACE FUNCTION app.invitation_by_token(p_token_hash text)
RETURNS TABLE (id uuid, organization_id uuid, email text, role text, status text,
               expires_at timestamptz, is_expired boolean, organization_name text,
               organization_slug text, organization_type text, custom_message text,
               redirect_url text, user_exists boolean)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT i.id, i.organization_id, i.email::text, i.role::text, i.status::text,
           i.expires_at, i.expires_at <= now(), o.name::text, o.slug::text, o.type::text,
           i.custom_message::text, i.redirect_url::text,
           EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = lower(i.email))
      FROM invitations i
      JOIN organizations o ON o.id = i.organization_id
     WHERE i.token_hash = p_token_hash
$$;

CREATE OR REPLACE FUNCTION app.invitation_for_invitee(p_id uuid, p_user_id uuid)
RETURNS TABLE (id uuid, organization_id uuid, organization_name text, organization_type text,
               email text, role text, status text, expires_at timestamptz, is_expired boolean,
               created_at timestamptz, invited_by uuid, created_by_name text,
               accepted_at timestamptz, custom_message text, redirect_url text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT i.id, i.organization_id, o.name::text, o.type::text, i.email::text, i.role::text,
           i.status::text, i.expires_at, i.expires_at <= now(), i.created_at, i.invited_by,
           inviter.full_name::text, i.accepted_at, i.custom_message::text, i.redirect_url::text
      FROM invitations i
      JOIN organizations o ON o.id = i.organization_id
      JOIN users me ON me.id = p_user_id AND lower(me.email) = lower(i.email)
      LEFT JOIN users inviter ON inviter.id = i.invited_by
     WHERE i.id = p_id
$$;

CREATE OR REPLACE FUNCTION app.current_org_has_member(p_email text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    -- app.current_org() is the caller's transaction context: this never answers about an
    -- organization the caller is not acting in.
    SELECT EXISTS (
        SELECT 1 FROM org_memberships m JOIN users u ON u.id = m.user_id
         WHERE m.organization_id = app.current_org() AND lower(u.email) = lower(btrim(p_email)))
$$;

CREATE OR REPLACE FUNCTION app.claim_invitation(p_token_hash text, p_user_id uuid)
RETURNS TABLE (membership_id uuid, organization_id uuid, role text, is_primary boolean,
               joined_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
#variable_conflict use_column
DECLARE
    v_org uuid;
    v_role org_role;
BEGIN
    UPDATE invitations i
       SET status = 'accepted', accepted_by = p_user_id, accepted_at = now()
     WHERE i.token_hash = p_token_hash AND i.status = 'pending' AND i.expires_at > now()
       AND lower(i.email) = (SELECT lower(u.email) FROM users u WHERE u.id = p_user_id)
    RETURNING i.organization_id, i.role INTO v_org, v_role;
    IF NOT FOUND THEN
        RETURN;  -- not claimable (any more): the caller reads why from invitation_by_token
    END IF;
    RETURN QUERY
    INSERT INTO org_memberships AS m (organization_id, user_id, role, status, is_primary)
    VALUES (v_org, p_user_id, v_role, 'active',
            NOT EXISTS (SELECT 1 FROM org_memberships p WHERE p.user_id = p_user_id AND p.is_primary))
    ON CONFLICT ON CONSTRAINT uq_org_user DO NOTHING
    RETURNING m.id, m.organization_id, m.role::text, m.is_primary, m.joined_at;
    IF NOT FOUND THEN
        -- Already a member: undo the claim with the whole transaction.
        RAISE EXCEPTION 'user % is already a member of organization %', p_user_id, v_org
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'uq_org_user';
    END IF;
END $$;

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

REVOKE ALL ON FUNCTION app.invitation_by_token(text), app.invitation_for_invitee(uuid, uuid),
    app.current_org_has_member(text), app.claim_invitation(text, uuid),
    app.register_invited_user(text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.invitation_by_token(text), app.invitation_for_invitee(uuid, uuid),
    app.current_org_has_member(text), app.claim_invitation(text, uuid),
    app.register_invited_user(text, text, text, text, text) TO tracehub_app;
