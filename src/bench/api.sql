-- The API benchmark's data set, generated inside PostgreSQL at head (see bench_api.rs).
-- Organization 0 is VIBOTAJ (created by revision 005); 1 .. n-1 are suppliers. Each has one
-- user (system role COMPLIANCE, organization role manager: may list shipments, is not a
-- platform admin), and the shipments are dealt round-robin over the organizations.
CREATE OR REPLACE FUNCTION bench_generate(p_organizations integer, p_shipments integer, p_hash text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO organizations (id, name, slug, type)
    SELECT ('b0000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
           'Bench Organization ' || g, 'bench-' || g, 'supplier'
      FROM generate_series(1, p_organizations - 1) g;

    CREATE TEMP TABLE bench_orgs ON COMMIT DROP AS
    SELECT 0 AS n, '00000000-0000-0000-0000-000000000001'::uuid AS id
    UNION ALL
    SELECT g, ('b0000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid
      FROM generate_series(1, p_organizations - 1) g;

    INSERT INTO users (id, email, hashed_password, full_name, role, is_active, created_at, updated_at, organization_id)
    SELECT ('c0000000-0000-4000-8000-' || lpad(o.n::text, 12, '0'))::uuid,
           'bench-admin-' || o.n || '@bench.test', p_hash, 'Bench User ' || o.n,
           'COMPLIANCE', true, now(), now(), o.id
      FROM bench_orgs o;
    -- Revision 005's trigger gave each a VIBOTAJ membership; replace it with their own.
    DELETE FROM org_memberships WHERE user_id IN (SELECT id FROM users WHERE email LIKE 'bench-admin-%');
    INSERT INTO org_memberships (organization_id, user_id, role, status, is_primary)
    SELECT o.id, ('c0000000-0000-4000-8000-' || lpad(o.n::text, 12, '0'))::uuid, 'manager', 'active', true
      FROM bench_orgs o;

    INSERT INTO shipments (id, reference, container_number, bl_number, vessel_name, voyage_number,
                           etd, eta, pol_code, pol_name, pod_code, pod_name, incoterms, status,
                           created_at, updated_at, organization_id)
    SELECT gen_random_uuid(),
           'BENCH-' || lpad(g::text, 8, '0'),
           'BNCU' || lpad((g % 1000000)::text, 6, '0') || (g % 10),
           'BL' || g, 'BENCH VESSEL ' || (g % 50), (g % 900 + 100)::text || 'N',
           now() - make_interval(days => g % 400),
           now() - make_interval(days => g % 400) + interval '30 days',
           'NGAPP', 'Apapa', 'DEHAM', 'Hamburg', 'FOB',
           (ARRAY['CREATED','DOCS_PENDING','DOCS_COMPLETE','IN_TRANSIT','ARRIVED','DELIVERED','CLOSED']::shipmentstatus[])[1 + g % 7],
           now() - make_interval(secs => g),
           now() - make_interval(secs => g),
           o.id
      FROM generate_series(1, p_shipments) g
      JOIN bench_orgs o ON o.n = g % p_organizations;
END
$$;
