-- Revision 003: the multi-tenancy tables — organizations, their memberships and invitations.
--
-- New tables only, so nothing the running application uses is rewritten. The foreign keys
-- to `users` take a brief SHARE ROW EXCLUSIVE lock on it; the engine's lock_timeout and
-- retries keep that wait short. Every statement is idempotent (IF NOT EXISTS, guarded enum
-- creation), so a re-run after a crash converges. Enum labels are lower-case: these are the
-- values the application uses, stored as they are (unlike the predecessor's UPPER-CASE
-- enum names).

-- tracehub:step transaction: organization, membership and invitation tables
DO $$
BEGIN
    CREATE TYPE organization_type AS ENUM ('platform_owner', 'buyer', 'supplier', 'logistics_agent');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$
BEGIN
    CREATE TYPE org_role AS ENUM ('owner', 'admin', 'manager', 'member', 'viewer');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$
BEGIN
    CREATE TYPE membership_status AS ENUM ('active', 'suspended');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$
BEGIN
    CREATE TYPE invitation_status AS ENUM ('pending', 'accepted', 'expired', 'revoked');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

CREATE TABLE IF NOT EXISTS organizations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name character varying(255) NOT NULL,
    slug character varying(100) NOT NULL,
    type organization_type NOT NULL,
    email character varying(255),
    phone character varying(50),
    address text,
    country character varying(2),
    registration_number character varying(100),
    tax_id character varying(100),
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_active boolean NOT NULL DEFAULT true,
    -- True for the organizations revision 005 derives from existing data (VIBOTAJ and the
    -- buyer organizations); its downgrade removes exactly these.
    created_by_migration boolean NOT NULL DEFAULT false,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT organizations_slug_key UNIQUE (slug),
    CONSTRAINT ck_organizations_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$')
);
CREATE INDEX IF NOT EXISTS ix_organizations_type ON organizations (type);

CREATE TABLE IF NOT EXISTS org_memberships (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role org_role NOT NULL DEFAULT 'member',
    status membership_status NOT NULL DEFAULT 'active',
    -- The organization a user lands in after login; at most one per user.
    is_primary boolean NOT NULL DEFAULT false,
    joined_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT uq_org_user UNIQUE (organization_id, user_id)
);
CREATE INDEX IF NOT EXISTS ix_org_memberships_user_id ON org_memberships (user_id);
CREATE UNIQUE INDEX IF NOT EXISTS uq_org_memberships_one_primary
    ON org_memberships (user_id) WHERE is_primary;

CREATE TABLE IF NOT EXISTS invitations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email character varying(255) NOT NULL,
    role org_role NOT NULL DEFAULT 'member',
    -- SHA-256 of the token, hex: the token itself is never stored.
    token_hash character varying(64) NOT NULL,
    status invitation_status NOT NULL DEFAULT 'pending',
    invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
    accepted_by uuid REFERENCES users (id) ON DELETE SET NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    accepted_at timestamp with time zone,
    CONSTRAINT invitations_token_hash_key UNIQUE (token_hash),
    CONSTRAINT ck_invitations_token_hash_format CHECK (token_hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX IF NOT EXISTS ix_invitations_organization_id_status ON invitations (organization_id, status);
CREATE INDEX IF NOT EXISTS ix_invitations_email ON invitations (lower(email));
CREATE INDEX IF NOT EXISTS ix_invitations_invited_by ON invitations (invited_by);
CREATE INDEX IF NOT EXISTS ix_invitations_accepted_by ON invitations (accepted_by);
