-- Revision 005: the predecessor's data becomes the VIBOTAJ organization's.
--
-- * The VIBOTAJ organization (fixed id 00000000-0000-0000-0000-000000000001, slug vibotaj).
-- * Every row already reads VIBOTAJ through revision 004's column default; rows someone
--   inserted with an explicit NULL are assigned in batches.
-- * Buyer organizations are derived from the buyer parties that shipments reference (one per
--   distinct company name; id and slug derived from the name, so re-runs find them again),
--   and those shipments are linked to them in batches.
-- * One membership per user. Its role follows the stored UPPER-CASE users.role (ADMIN ->
--   owner, COMPLIANCE -> admin, LOGISTICS_AGENT -> manager, BUYER/SUPPLIER -> member,
--   VIEWER -> viewer). A BUYER whose e-mail domain is the buyer party's joins that buyer
--   organization instead of VIBOTAJ, so a buyer never sees the exporter's other customers.
-- * A trigger gives users that the old application creates from now on their membership too.
--
-- Every statement is guarded ("still needs it", ON CONFLICT DO NOTHING, deterministic ids),
-- so a run killed at any point and started again ends in the same state. Batched updates
-- commit per batch, so no long transaction holds row locks the application waits on.

-- tracehub:step transaction: the VIBOTAJ organization
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM organizations WHERE slug = 'vibotaj' AND id <> '00000000-0000-0000-0000-000000000001') THEN
        RAISE EXCEPTION 'the slug "vibotaj" belongs to another organization; rename that organization first';
    END IF;
END $$;
INSERT INTO organizations (id, name, slug, type, email, country, settings, created_by_migration)
VALUES (
    '00000000-0000-0000-0000-000000000001', 'VIBOTAJ GmbH', 'vibotaj', 'platform_owner', 'info@vibotaj.com', 'DE',
    '{"default_currency": "EUR", "timezone": "Europe/Berlin", "language": "en"}'::jsonb, true
)
ON CONFLICT (id) DO NOTHING;

-- tracehub:step repeat: users rows without an organization
UPDATE users SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM users WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step repeat: parties rows without an organization
UPDATE parties SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM parties WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step repeat: shipments rows without an organization
UPDATE shipments SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM shipments WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step repeat: products rows without an organization
UPDATE products SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM products WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step repeat: origins rows without an organization
UPDATE origins SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM origins WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step repeat: documents rows without an organization
UPDATE documents SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM documents WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step repeat: document_contents rows without an organization
UPDATE document_contents SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM document_contents WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step repeat: reference_registry rows without an organization
UPDATE reference_registry SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM reference_registry WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step repeat: container_events rows without an organization
UPDATE container_events SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM container_events WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step repeat: notifications rows without an organization
UPDATE notifications SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM notifications WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step repeat: audit_logs rows without an organization
UPDATE audit_logs SET organization_id = '00000000-0000-0000-0000-000000000001'
WHERE id IN (SELECT id FROM audit_logs WHERE organization_id IS NULL LIMIT 10000);

-- tracehub:step transaction: the user role -> organization role mapping
CREATE OR REPLACE FUNCTION tracehub_org_role_for(role userrole) RETURNS org_role
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE role::text
        WHEN 'ADMIN' THEN 'owner'
        WHEN 'COMPLIANCE' THEN 'admin'
        WHEN 'LOGISTICS_AGENT' THEN 'manager'
        WHEN 'VIEWER' THEN 'viewer'
        ELSE 'member'  -- BUYER, SUPPLIER
    END::org_role
$$;

-- tracehub:step transaction: buyer organizations from the buyer parties of shipments
WITH buyer_parties AS (
    SELECT DISTINCT ON (lower(btrim(p.company_name)))
        md5('tracehub:buyer:' || lower(btrim(p.company_name)))::uuid AS id,
        btrim(p.company_name) AS name,
        -- At most 80 characters, so a suffix still fits the 100 of organizations.slug.
        coalesce(nullif(btrim(left(btrim(regexp_replace(lower(p.company_name), '[^a-z0-9]+', '-', 'g'), '-'), 80), '-'), ''), 'buyer') AS base_slug,
        p.email, p.phone, p.address, p.country, p.registration_number, p.tax_id
    FROM parties p
    WHERE p.id IN (SELECT DISTINCT buyer_id FROM shipments WHERE buyer_id IS NOT NULL)
      AND btrim(p.company_name) <> ''
    ORDER BY lower(btrim(p.company_name)), p.created_at NULLS LAST, p.id
),
new_buyers AS (
    SELECT b.*, row_number() OVER (PARTITION BY b.base_slug ORDER BY b.id) AS slug_rank
    FROM buyer_parties b
    WHERE NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = b.id)
)
INSERT INTO organizations (id, name, slug, type, email, phone, address, country,
                           registration_number, tax_id, created_by_migration)
SELECT n.id, n.name,
       CASE WHEN n.slug_rank = 1 AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.slug = n.base_slug)
            THEN n.base_slug
            ELSE n.base_slug || '-' || left(n.id::text, 8)
       END,
       'buyer', n.email, n.phone, n.address, n.country, n.registration_number, n.tax_id, true
FROM new_buyers n
ON CONFLICT (id) DO NOTHING;

-- tracehub:step repeat: link shipments to their buyer organizations
WITH batch AS (
    SELECT s.id, o.id AS buyer_organization_id
    FROM shipments s
    JOIN parties p ON p.id = s.buyer_id
    JOIN organizations o ON o.id = md5('tracehub:buyer:' || lower(btrim(p.company_name)))::uuid
    WHERE s.buyer_organization_id IS NULL
    LIMIT 20000
)
UPDATE shipments s SET buyer_organization_id = batch.buyer_organization_id
FROM batch WHERE s.id = batch.id;

-- tracehub:step transaction: memberships for users the old application creates from now on
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
DROP TRIGGER IF EXISTS tracehub_users_membership ON users;
CREATE TRIGGER tracehub_users_membership AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION tracehub_membership_for_new_user();

-- tracehub:step transaction: one membership for every existing user
WITH placement AS (
    SELECT u.id AS user_id, u.role, u.created_at,
           coalesce(
               (SELECT o.id FROM organizations o
                WHERE u.role::text = 'BUYER' AND o.type = 'buyer' AND o.created_by_migration
                  AND o.email LIKE '%@%'
                  AND lower(split_part(o.email, '@', 2)) = lower(split_part(u.email, '@', 2))
                ORDER BY o.id LIMIT 1),
               u.organization_id,
               '00000000-0000-0000-0000-000000000001'
           ) AS organization_id
    FROM users u
    WHERE NOT EXISTS (SELECT 1 FROM org_memberships m WHERE m.user_id = u.id)
)
INSERT INTO org_memberships (id, organization_id, user_id, role, status, is_primary, joined_at)
SELECT md5('tracehub:membership:' || p.organization_id || ':' || p.user_id)::uuid,
       p.organization_id, p.user_id, tracehub_org_role_for(p.role), 'active', true,
       coalesce(p.created_at AT TIME ZONE 'UTC', now())
FROM placement p
ON CONFLICT DO NOTHING;
