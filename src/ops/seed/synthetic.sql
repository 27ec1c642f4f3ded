-- TraceHub synthetic benchmark world (revision 002 schema, single tenant).
--
-- What: a large, realistic-looking predecessor database generated entirely inside
-- PostgreSQL with set-based INSERT ... SELECT over generate_series (no row loops).
--
-- Parameters: two custom settings, read with current_setting():
--   tracehub.seed_shipments      N, the number of shipments (integer >= 1)
--   tracehub.seed_password_hash  bcrypt hash given to every synthetic user
--   (the caller runs  SELECT set_config('tracehub.seed_shipments', '100000', false),
--    set_config('tracehub.seed_password_hash', <hash>, false)  on the same session first).
--
-- Volume for N shipments:
--   users              greatest(N/10, 6)     roles cycle through all 6 labels,
--                                            e-mails user000001@synthetic.example ...
--   parties            greatest(N/100, 2) buyers + greatest(N/100, 2) suppliers
--   shipments          N                     references SYN-<etd year>-<7-digit n>, unique
--   products           N                     1 per shipment
--   documents          10 N                  10 per shipment, one per document type
--   container_events   20 N                  20 per shipment, a full voyage with transshipments
--   notifications      10 N                  10 per shipment, user_id = a synthetic user's e-mail
--   audit_logs         20 N                  20 per shipment, username = a synthetic user's e-mail
--   origins, document_contents, reference_registry stay empty.
--
-- Contract:
--   * Target: an EMPTY database at revision 002. The first statement refuses to run if
--     shipments or users already exist. Supported range: 1 <= N <= 9 999 999.
--   * Runs as one script (one implicit or explicit transaction, e.g. a multi-statement simple
--     query) or statement by statement on one session. There is no transaction control, no
--     temporary object and no session state besides the two settings. Children are derived
--     from the parent rows already inserted (shipment number n is parsed back from the
--     reference), never by per-row subqueries.
--   * Speed: the four big child tables are loaded inside a bulk-load window (their keys and
--     indexes are dropped and then re-created with the revision-002 definitions, see the
--     section before 5). Measured on 2 cores: N = 100 000 in about 46 s.
--   * No statement contains a semicolon inside a literal or comment, so the file can be split
--     naively on statement ends.
--   * Ids are random version-4 UUIDs (gen_random_uuid()). Timestamps are naive UTC and lie in
--     2024-2026: shipment n departs at a time that grows with n (2024-02-01 .. 2026-10-15),
--     so every child table is written in roughly ascending time order.
--   * Enum columns hold UPPER-CASE labels, notification types and the document_types JSON
--     hold the lower-case API strings. Statuses are spread over the whole enum and the
--     shipment dates agree with them (atd only once departed, ata only once arrived). Every
--     shipment nevertheless gets the full 20-event voyage and all 10 notification kinds
--     (a fixed fan-out, for benchmarks). About 4 % of the users are inactive.
--   * Container numbers are ISO 6346 valid (check digit computed here) and unique up to
--     N = 7 000 000.

-- ---------------------------------------------------------------------------
-- 0. Guard: only into an empty database. The failing cast carries the message (the
--    current_setting() term keeps the planner from folding, and so raising, it early).
-- ---------------------------------------------------------------------------
SELECT CASE WHEN EXISTS (SELECT 1 FROM shipments) OR EXISTS (SELECT 1 FROM users)
            THEN ('synthetic seed refused: the database already holds users or shipments'
                  || left(current_setting('tracehub.seed_shipments'), 0))::int
            ELSE current_setting('tracehub.seed_shipments')::int END AS shipments_to_generate;

-- ---------------------------------------------------------------------------
-- 1. Users
-- ---------------------------------------------------------------------------
INSERT INTO users (id, email, hashed_password, full_name, role, is_active, created_at, updated_at, last_login)
SELECT gen_random_uuid(),
       'user' || lpad(g::text, 6, '0') || '@synthetic.example',
       p.hash,
       (ARRAY['Adaeze','Chidi','Emeka','Funmilayo','Ngozi','Tunde','Kemi','Obinna','Hans','Katrin',
              'Jonas','Lena','Pieter','Sanne','Kwame','Ama','Yaw','Aminata','Lucas','Sofia'])[1 + g % 20]
       || ' ' ||
       (ARRAY['Okonkwo','Adeyemi','Nwosu','Eze','Balogun','Ogunleye','Becker','Schmidt','Weber','Fischer',
              'Meyer','de Vries','Jansen','Mensah','Owusu','Diallo','Traore','Okafor','Bakare','Hoffmann'])[1 + (g / 20 + g * 7) % 20],
       (ARRAY['ADMIN','COMPLIANCE','LOGISTICS_AGENT','BUYER','SUPPLIER','VIEWER']::userrole[])[1 + g % 6],
       g % 23 <> 0,
       c.created_at,
       c.created_at + interval '3 days' * (g % 40),
       CASE WHEN g % 9 <> 0 THEN timestamp '2026-01-31 00:00:00' + interval '1 second' * (g * 104729 % 12000000) END
FROM (SELECT current_setting('tracehub.seed_password_hash') AS hash,
             greatest(current_setting('tracehub.seed_shipments')::int / 10, 6) AS n_users) p
CROSS JOIN LATERAL generate_series(1, p.n_users) g
CROSS JOIN LATERAL (SELECT timestamp '2024-01-02 08:00:00'
                           + interval '1 second' * ((g::bigint * 63000000) / p.n_users) AS created_at) c;

-- ---------------------------------------------------------------------------
-- 2. Parties: buyers in Europe, suppliers in West Africa
-- ---------------------------------------------------------------------------
INSERT INTO parties (id, type, company_name, contact_name, email, phone, address, city, country,
                     registration_number, tax_id, created_at, updated_at)
SELECT gen_random_uuid(), 'BUYER'::partytype,
       upper(w.word) || ' ' || t.suffix || ' ' || lpad(g::text, 5, '0'),
       (ARRAY['Hans Becker','Katrin Vogel','Jonas Weber','Lena Brandt','Pieter de Vries','Sanne Jansen',
              'Luc Peeters','Claire Martin'])[1 + g % 8],
       'imports@' || regexp_replace(lower(w.word), '[^a-z]', '', 'g') || lpad(g::text, 5, '0') || '.' || lower(t.country) || '.example',
       t.phone || lpad((g * 7919 % 10000000)::text, 7, '0'),
       (g % 180 + 1) || ' ' || t.street,
       t.city, t.country,
       t.reg || ' ' || (100000 + g * 37 % 900000), t.country || lpad((g::bigint * 104729 % 1000000000)::text, 9, '0'),
       timestamp '2024-01-01 09:00:00' + interval '1 hour' * (g * 13 % 8000),
       timestamp '2024-01-01 09:00:00' + interval '1 hour' * (g * 13 % 8000 + g % 500)
FROM generate_series(1, greatest(current_setting('tracehub.seed_shipments')::int / 100, 2)) g
CROSS JOIN LATERAL (SELECT (ARRAY['Wita','Hages','Nordkorn','Elbe','Rhein','Hansa','Alster','Weser','Tiber','Maas',
                                  'Schelde','Havel','Donau','Isar','Main','Mosel'])[1 + g % 16]
                           || (ARRAY['trade','import','handel','agrar','feed','protein','chem','bio'])[1 + (g / 16) % 8] AS word) w
CROSS JOIN LATERAL (SELECT * FROM (VALUES
        (0, 'GMBH', 'DE', 'Hamburg',   'Billstrasse',       '+49 40 ',  'HRB'),
        (1, 'GMBH', 'DE', 'Bremen',    'Am Speicher XI',    '+49 421 ', 'HRB'),
        (2, 'B.V.', 'NL', 'Rotterdam', 'Waalhaven Zuidzijde','+31 10 ', 'KVK'),
        (3, 'NV',   'BE', 'Antwerpen', 'Noorderlaan',       '+32 3 ',   'BCE'),
        (4, 'GMBH', 'DE', 'Stelle',    'Am Gewerbepark',    '+49 4174 ','HRB'),
        (5, 'SAS',  'FR', 'Le Havre',  'Quai de Saône',     '+33 2 35 ','RCS')
    ) AS v(k, suffix, country, city, street, phone, reg) WHERE v.k = g % 6) t
UNION ALL
SELECT gen_random_uuid(), 'SUPPLIER'::partytype,
       upper(w.word) || ' ' || t.suffix || ' ' || lpad(g::text, 5, '0'),
       (ARRAY['Adaeze Eze','Chidi Okafor','Tunde Balogun','Ngozi Bakare','Kwame Mensah','Ama Owusu',
              'Aminata Diallo','Kofi Agbodjan'])[1 + g % 8],
       'exports@' || regexp_replace(lower(w.word), '[^a-z]', '', 'g') || lpad(g::text, 5, '0') || '.' || lower(t.country) || '.example',
       t.phone || lpad((g * 7919 % 10000000)::text, 7, '0'),
       (g % 90 + 1) || ' ' || t.street,
       t.city, t.country,
       t.reg || ' ' || (1000000 + g * 37 % 9000000), 'TIN ' || lpad((g::bigint * 104729 % 100000000)::text, 8, '0') || '-0001',
       timestamp '2024-01-01 10:00:00' + interval '1 hour' * (g * 17 % 8000),
       timestamp '2024-01-01 10:00:00' + interval '1 hour' * (g * 17 % 8000 + g % 500)
FROM generate_series(1, greatest(current_setting('tracehub.seed_shipments')::int / 100, 2)) g
CROSS JOIN LATERAL (SELECT (ARRAY['Temira','Adamawa','Kano','Oyo','Benue','Ogun','Volta','Ashanti','Sahel','Niger',
                                  'Kaduna','Enugu','Rift','Savanna','Delta','Lagoon'])[1 + g % 16]
                           || (ARRAY[' Industries',' Agro',' Exports',' Commodities',' Farms',' Trading',' By-Products',' Resources'])[1 + (g / 16) % 8] AS word) w
CROSS JOIN LATERAL (SELECT * FROM (VALUES
        (0, 'NIGERIA LTD', 'NG', 'Lagos',   'Creek Road, Apapa',   '+234 803 ', 'RC'),
        (1, 'NIGERIA LTD', 'NG', 'Kano',    'Bompai Road',         '+234 806 ', 'RC'),
        (2, 'LTD',         'GH', 'Tema',    'Harbour Road',        '+233 30 ',  'CS'),
        (3, 'SARL',        'CI', 'Abidjan', 'Boulevard de Vridi',  '+225 27 ',  'RCCM'),
        (4, 'SARL',        'BJ', 'Cotonou', 'Boulevard de la Marina', '+229 21 ', 'RCCM'),
        (5, 'NIGERIA LTD', 'NG', 'Ibadan',  'Oluyole Estate',      '+234 805 ', 'RC')
    ) AS v(k, suffix, country, city, street, phone, reg) WHERE v.k = g % 6) t;

-- ---------------------------------------------------------------------------
-- 3. Shipments
--    n = 1..N, ETD grows with n over 2024-02-01 .. 2026-10-15 (plus up to 12 h jitter).
--    Container number: owner code + 6-digit serial + ISO 6346 check digit.
-- ---------------------------------------------------------------------------
INSERT INTO shipments (id, reference, container_number, bl_number, booking_reference, vessel_name,
                       voyage_number, etd, eta, atd, ata, pol_code, pol_name, pod_code, pod_name,
                       final_destination, incoterms, status, buyer_id, supplier_id, created_at, updated_at)
SELECT gen_random_uuid(),
       'SYN-' || to_char(x.etd, 'YYYY') || '-' || lpad(x.n::text, 7, '0'),
       o.code || lpad(x.serial::text, 6, '0')
           || ((o.letters
                + (x.serial / 100000 % 10) * 16 + (x.serial / 10000 % 10) * 32 + (x.serial / 1000 % 10) * 64
                + (x.serial / 100 % 10) * 128 + (x.serial / 10 % 10) * 256 + (x.serial % 10) * 512) % 11 % 10)::text,
       o.bl_prefix || (260000000 + x.n * 7 % 100000000)::text,
       o.carrier || '-' || x.voyage || '-' || lpad((x.n % 1000)::text, 3, '0'),
       o.vessels[1 + (x.n / 7) % cardinality(o.vessels)], x.voyage, x.etd, x.eta,
       CASE WHEN x.st >= 4 THEN x.etd + interval '1 hour' * (x.n % 30) END,
       CASE WHEN x.st >= 5 THEN x.eta + interval '1 hour' * (x.n % 61 - 12) END,
       pol.code, pol.name, pod.code, pod.name, pod.final_dest,
       (ARRAY['FOB','FOB','CIF','CFR','FCA','DAP'])[1 + x.n % 6],
       (ARRAY['CREATED','DOCS_PENDING','DOCS_COMPLETE','IN_TRANSIT','ARRIVED','DELIVERED','CLOSED']::shipmentstatus[])[x.st],
       p.buyers[1 + x.n % cardinality(p.buyers)],
       p.suppliers[1 + (x.n / 3) % cardinality(p.suppliers)],
       x.etd - interval '1 hour' * (400 + x.n % 300),
       CASE WHEN x.st >= 5 THEN x.eta + interval '1 hour' * (x.n % 61 + 20)
            WHEN x.st = 4  THEN x.etd + interval '1 hour' * (x.n % 48 + 2)
            ELSE x.etd - interval '1 hour' * (x.n % 300) END
FROM (SELECT (SELECT array_agg(id ORDER BY company_name) FROM parties WHERE type = 'BUYER') AS buyers,
             (SELECT array_agg(id ORDER BY company_name) FROM parties WHERE type = 'SUPPLIER') AS suppliers,
             current_setting('tracehub.seed_shipments')::int AS n_total) p
CROSS JOIN LATERAL generate_series(1, p.n_total) g
CROSS JOIN LATERAL (
    SELECT g AS n,
           -- status: CREATED 7 %, DOCS_PENDING 13 %, DOCS_COMPLETE 10 %, IN_TRANSIT 17 %,
           -- ARRIVED 10 %, DELIVERED 21 %, CLOSED 22 %
           CASE WHEN (g * 37) % 100 < 7  THEN 1 WHEN (g * 37) % 100 < 20 THEN 2
                WHEN (g * 37) % 100 < 30 THEN 3 WHEN (g * 37) % 100 < 47 THEN 4
                WHEN (g * 37) % 100 < 57 THEN 5 WHEN (g * 37) % 100 < 78 THEN 6 ELSE 7 END AS st,
           timestamp '2024-02-01 06:00:00' + interval '1 second' * ((g::bigint * 85276800) / p.n_total)
               + interval '1 minute' * (g * 7919 % 720) AS etd,
           timestamp '2024-02-01 06:00:00' + interval '1 second' * ((g::bigint * 85276800) / p.n_total)
               + interval '1 minute' * (g * 7919 % 720) + interval '1 day' * (16 + g % 20) AS eta,
           (g::bigint * 7919 % 1000000)::int AS serial,
           (500 + g / 40 % 400)::text || (ARRAY['N','S','E','W'])[1 + g % 4] AS voyage
) x
CROSS JOIN LATERAL (SELECT * FROM (VALUES
        -- owner code, 2^0..2^3-weighted letter sum of the code, carrier, B/L prefix, vessels
        (0, 'MRSU', 458, 'MAERSK',   '',     ARRAY['RHINE MAERSK','MAERSK CAIRO','SAFMARINE NOKWANDA']),
        (1, 'MSKU', 424, 'MAERSK',   '',     ARRAY['MAERSK KOLKATA','MAERSK CHICAGO','SAFMARINE NGAMI']),
        (2, 'TCNU', 413, 'CMACGM',   'LGS',  ARRAY['CMA CGM TAGE','CMA CGM FORT ST PIERRE']),
        (3, 'MSCU', 392, 'MSC',      'MEDU', ARRAY['MSC AGADIR','MSC TIANPING','MSC ABIDJAN']),
        (4, 'CMAU', 357, 'CMACGM',   'AFR',  ARRAY['CMA CGM NILE','CMA CGM TAGE']),
        (5, 'HLXU', 464, 'HLAG',     'HLCU', ARRAY['HANSA EUROPE','NORTHERN JUVENILE']),
        (6, 'GESU', 423, 'GRIMALDI', 'GRI',  ARRAY['GRANDE NIGERIA','GRANDE TEMA','GRANDE LAGOS'])
    ) AS v(k, code, letters, carrier, bl_prefix, vessels) WHERE v.k = x.n % 7) o
CROSS JOIN LATERAL (SELECT * FROM (VALUES
        (0, 'NGAPP', 'Apapa, Lagos'), (1, 'NGAPP', 'Apapa, Lagos'), (2, 'NGTIN', 'Tin Can Island, Lagos'),
        (3, 'NGONN', 'Onne'), (4, 'GHTEM', 'Tema'), (5, 'CIABJ', 'Abidjan'), (6, 'BJCOO', 'Cotonou')
    ) AS v(k, code, name) WHERE v.k = (x.n / 7) % 7) pol
CROSS JOIN LATERAL (SELECT * FROM (VALUES
        (0, 'DEHAM', 'Hamburg', 'Hamburg'), (1, 'DEHAM', 'Hamburg', 'Stelle'), (2, 'DEBRV', 'Bremerhaven', 'Bremen'),
        (3, 'NLRTM', 'Rotterdam', 'Rotterdam'), (4, 'BEANR', 'Antwerp', 'Antwerpen'), (5, 'FRLEH', 'Le Havre', 'Rouen')
    ) AS v(k, code, name, final_dest) WHERE v.k = (x.n / 3) % 6) pod;

-- ---------------------------------------------------------------------------
-- 4. Products: one per shipment
-- ---------------------------------------------------------------------------
INSERT INTO products (id, shipment_id, hs_code, description, quantity_net_kg, quantity_gross_kg,
                      unit_of_measure, packaging_type, packaging_count, batch_lot_number, quality_grade,
                      moisture_percentage, production_date, created_at, updated_at)
SELECT gen_random_uuid(), s.id, c.hs_code, c.description,
       q.net, q.net + 120 + (q.n % 9) * 20, 'KG', c.packaging, c.bags_per_t * (q.net / 1000)::int,
       s.reference || '-LOT1', (ARRAY['Grade A','Grade A','Grade B','Premium','Standard'])[1 + q.n % 5],
       (8 + (q.n % 50) / 10.0)::numeric(5,2),
       (s.etd - interval '1 day' * (12 + q.n % 30))::date,
       s.created_at + interval '10 minutes', s.created_at + interval '10 minutes'
FROM shipments s
CROSS JOIN LATERAL (SELECT right(s.reference, 7)::int AS n,
                           (18000 + right(s.reference, 7)::int * 131 % 8000)::numeric(12,3) AS net) q
CROSS JOIN LATERAL (SELECT * FROM (VALUES
        (0, '0506.90', 'Crushed Cow Hooves & Horns, sun-dried',      'Woven PP jumbo bags', 1),
        (1, '0506.90', 'Crushed Cow Horns, sun-dried',               'Woven PP jumbo bags', 1),
        (2, '0507.90', 'Cattle Hooves, dried and cleaned',           'Jute bags 50 kg',     20),
        (3, '0506.10', 'Ossein and bones treated with acid',         'Woven PP jumbo bags', 1),
        (4, '2302.30', 'Wheat bran pellets',                         'Bulk, 25 kg bags',    40),
        (5, '0910.11', 'Dried split ginger',                         'Jute bags 50 kg',     20),
        (6, '1801.00', 'Cocoa beans, whole, raw, fermented',         'Jute bags 63 kg',     16),
        (7, '1212.99', 'Dried hibiscus flowers (Zobo)',              'PP bags 25 kg',       40)
    ) AS v(k, hs_code, description, packaging, bags_per_t) WHERE v.k = q.n % 8) c;

-- ---------------------------------------------------------------------------
-- Bulk-load window for the four big child tables, as pg_restore does it: their primary
-- keys, secondary indexes and foreign keys (plus the two still-empty foreign keys that
-- point at documents_pkey) are dropped here and re-created right after the load, in
-- section 9, with the exact names and definitions of revision 002. Building an index once
-- from sorted data is several times faster than maintaining it row by row, and re-adding a
-- foreign key checks it with one join instead of one trigger call per row. Every child row
-- is derived from an existing shipment, so the keys hold by construction and are verified
-- again when re-added. Plain DROPs (no IF EXISTS) also fail fast on a schema that is not
-- revision 002. Run as one script this is atomic. Run statement by statement without a
-- transaction, a failure inside the window leaves these keys and indexes missing: drop the
-- scratch database and start again.
-- ---------------------------------------------------------------------------
ALTER TABLE document_contents DROP CONSTRAINT document_contents_document_id_fkey;
ALTER TABLE reference_registry DROP CONSTRAINT reference_registry_document_id_fkey;
ALTER TABLE documents DROP CONSTRAINT documents_shipment_id_fkey, DROP CONSTRAINT documents_pkey;
ALTER TABLE container_events DROP CONSTRAINT container_events_shipment_id_fkey,
                             DROP CONSTRAINT container_events_pkey;
ALTER TABLE notifications DROP CONSTRAINT notifications_pkey;
DROP INDEX ix_notifications_user_id, ix_notifications_user_read, ix_notifications_user_created;
ALTER TABLE audit_logs DROP CONSTRAINT audit_logs_pkey;
DROP INDEX ix_audit_logs_request_id, ix_audit_logs_timestamp, ix_audit_logs_user_timestamp,
           ix_audit_logs_action_timestamp, ix_audit_logs_resource;

-- ---------------------------------------------------------------------------
-- 5. Documents: 10 per shipment (one per document type), status follows the shipment's
--    progress. Pattern used by sections 5-8: an inner OFFSET 0 subquery computes every
--    per-shipment value once, a middle OFFSET 0 subquery computes every per-row value once,
--    and the outer SELECT only assembles columns.
-- ---------------------------------------------------------------------------
INSERT INTO documents (id, shipment_id, document_type, document_types, name, file_path, file_name, file_size_bytes,
                       mime_type, status, required, is_combined, content_count, page_count, reference_number,
                       issue_date, expiry_date, issuing_authority, validation_notes, uploaded_by, uploaded_at,
                       validated_at, validated_by, extra_data, created_at, updated_at)
SELECT gen_random_uuid(), r.id, r.doc_type, r.types_json, r.label || ' ' || r.reference,
       CASE WHEN r.has_file THEN 'uploads/' || r.sid || '/' || r.file_name END,
       CASE WHEN r.has_file THEN r.file_name END,
       CASE WHEN r.has_file THEN 40000 + (r.n * 7919 + r.k * 104729) % 900000 END,
       CASE WHEN r.has_file THEN 'application/pdf' END,
       r.status, r.required, false, 1,
       CASE WHEN r.has_file THEN 1 + (r.n + r.k) % 4 END,
       CASE WHEN r.has_file THEN r.ref_prefix || r.ref_number END,
       CASE WHEN r.has_file THEN (r.etd - r.issued_before)::date END,
       CASE WHEN r.has_file THEN (r.etd + r.valid_for)::date END,
       CASE WHEN r.has_file THEN r.authority END,
       CASE WHEN r.status = 'COMPLIANCE_FAILED' THEN r.rejection END,
       CASE WHEN r.has_file THEN r.uploader END,
       CASE WHEN r.has_file THEN r.uploaded_at END,
       CASE WHEN r.is_validated THEN r.uploaded_at + interval '26 hours' END,
       CASE WHEN r.is_validated THEN r.validator END,
       '{}'::jsonb,
       r.created_at,
       CASE WHEN r.is_validated THEN r.uploaded_at + interval '26 hours'
            WHEN r.has_file THEN r.uploaded_at ELSE r.created_at END
FROM (
    SELECT s.id, s.sid, s.reference, s.etd, s.n, d.k, d.doc_type, d.types_json, d.label, d.ref_prefix,
           d.issued_before, d.valid_for, d.authority, d.required, d.rejection,
           st.status, st.status <> 'DRAFT' AS has_file, st.status NOT IN ('DRAFT', 'UPLOADED') AS is_validated,
           d.file_stub || '_' || s.n || '.pdf' AS file_name,
           lpad((s.n * 10 + d.k)::text, 8, '0') AS ref_number,
           s.etd - d.uploaded_before AS uploaded_at,
           s.created_at + d.created_after AS created_at,
           'user' || lpad((1 + (s.n * 3 + d.k) % s.n_users)::text, 6, '0') || '@synthetic.example' AS uploader,
           s.validator
    FROM (
        SELECT sh.id, sh.id::text AS sid, sh.reference, sh.etd, sh.created_at, q.n, u.n_users,
               -- document status pattern group: 0 created, 1 docs pending, 2 docs complete .. arrived,
               -- 3 delivered, 4 closed
               CASE sh.status WHEN 'CREATED' THEN 0 WHEN 'DOCS_PENDING' THEN 1 WHEN 'DELIVERED' THEN 3
                              WHEN 'CLOSED' THEN 4 ELSE 2 END AS grp,
               'user' || lpad((1 + (q.n * 6 + 1) % u.n_users)::text, 6, '0') || '@synthetic.example' AS validator
        FROM shipments sh
        CROSS JOIN LATERAL (SELECT right(sh.reference, 7)::int AS n) q
        CROSS JOIN (SELECT count(*)::int AS n_users FROM users) u
        OFFSET 0
    ) s
    CROSS JOIN (VALUES
        -- k, type, document_types, label, file stub, reference prefix, issued before ETD, uploaded before ETD,
        -- valid for after ETD (NULL: no expiry), created after the shipment, issuing authority, required, rejection note
        (1,  'BILL_OF_LADING'::documenttype,                '["bill_of_lading"]'::jsonb,                'Bill of Lading',                'bill_of_lading',        'BL',   interval '1 day',  interval '-20 hours', NULL::interval,    interval '1 minute',  'Carrier',                                            true,
             'B/L number does not match the booking'),
        (2,  'COMMERCIAL_INVOICE'::documenttype,            '["commercial_invoice"]'::jsonb,            'Commercial Invoice',            'commercial_invoice',    'INV-', interval '6 days', interval '5 days',    NULL,              interval '2 minutes', 'Exporter',                                           true,
             'Invoice total differs from the packing list weights'),
        (3,  'PACKING_LIST'::documenttype,                  '["packing_list"]'::jsonb,                  'Packing List',                  'packing_list',          'PL-',  interval '6 days', interval '5 days',    NULL,              interval '3 minutes', 'Exporter',                                           true,
             'Gross weight missing'),
        (4,  'CERTIFICATE_OF_ORIGIN'::documenttype,         '["certificate_of_origin"]'::jsonb,         'Certificate of Origin',         'certificate_of_origin', 'CO-',  interval '8 days', interval '7 days',    NULL,              interval '4 minutes', 'Chamber of Commerce (NACCIMA)',                      true,
             'Country of origin not stated'),
        (5,  'PHYTOSANITARY_CERTIFICATE'::documenttype,     '["phytosanitary_certificate"]'::jsonb,     'Phytosanitary Certificate',     'phytosanitary',         'PC-',  interval '4 days', interval '3 days',    interval '60 days', interval '5 minutes', 'Nigeria Agricultural Quarantine Service',            true,
             'Certificate expired before arrival'),
        (6,  'FUMIGATION_CERTIFICATE'::documenttype,        '["fumigation_certificate"]'::jsonb,        'Fumigation Certificate',        'fumigation',            'FC-',  interval '3 days', interval '2 days',    interval '30 days', interval '6 minutes', 'Licensed fumigation contractor',                     false,
             'Treatment date more than 21 days before stuffing'),
        (7,  'VETERINARY_HEALTH_CERTIFICATE'::documenttype, '["veterinary_health_certificate"]'::jsonb, 'Veterinary Health Certificate', 'veterinary_health',     'VHC-', interval '5 days', interval '4 days',    interval '90 days', interval '7 minutes', 'Federal Department of Veterinary Services, Nigeria', true,
             'Issuing authority not recognised'),
        (8,  'EU_TRACES_CERTIFICATE'::documenttype,         '["eu_traces_certificate"]'::jsonb,         'EU TRACES Certificate',         'eu_traces',             'RC',   interval '2 days', interval '1 day',     NULL,              interval '8 minutes', 'European Commission TRACES NT',                      true,
             'TRACES reference does not match the consignment'),
        (9,  'EXPORT_DECLARATION'::documenttype,            '["export_declaration"]'::jsonb,            'Export Declaration (NXP)',      'export_declaration',    'NXP-', interval '9 days', interval '8 days',    NULL,              interval '9 minutes', 'Nigeria Customs Service',                            true,
             'NXP form not signed'),
        (10, 'EUDR_DUE_DILIGENCE'::documenttype,            '["eudr_due_diligence"]'::jsonb,            'EUDR Due Diligence Statement',  'eudr_dds',              'DDS-', interval '7 days', interval '6 days',    interval '365 days', interval '10 minutes', 'Operator',                                         false,
             'Geolocation of the production plots missing')
    ) AS d(k, doc_type, types_json, label, file_stub, ref_prefix, issued_before, uploaded_before, valid_for,
           created_after, authority, required, rejection)
    CROSS JOIN LATERAL (SELECT (ARRAY[
        -- 10 statuses per pattern group, picked by (n + k) % 10
        'DRAFT','DRAFT','UPLOADED','DRAFT','DRAFT','UPLOADED','DRAFT','DRAFT','UPLOADED','DRAFT',
        'DRAFT','UPLOADED','UPLOADED','VALIDATED','VALIDATED','COMPLIANCE_FAILED','DRAFT','UPLOADED','VALIDATED','COMPLIANCE_OK',
        'VALIDATED','COMPLIANCE_OK','COMPLIANCE_OK','LINKED','VALIDATED','COMPLIANCE_OK','LINKED','COMPLIANCE_OK','UPLOADED','COMPLIANCE_FAILED',
        'LINKED','LINKED','COMPLIANCE_OK','LINKED','VALIDATED','LINKED','COMPLIANCE_OK','LINKED','LINKED','ARCHIVED',
        'ARCHIVED','ARCHIVED','LINKED','ARCHIVED','ARCHIVED','LINKED','ARCHIVED','ARCHIVED','COMPLIANCE_OK','ARCHIVED'
        ]::documentstatus[])[s.grp * 10 + (s.n + d.k) % 10 + 1] AS status) st
    OFFSET 0
) r;

-- ---------------------------------------------------------------------------
-- 6. Container events: 20 per shipment, POL -> hub 1 -> hub 2 -> POD -> final destination
-- ---------------------------------------------------------------------------
INSERT INTO container_events (id, shipment_id, event_type, event_timestamp, location_name, location_code,
                              location_lat, location_lng, vessel_name, voyage_number, delay_hours, source,
                              external_id, raw_payload, created_at)
SELECT gen_random_uuid(), r.id, r.event_type, r.ts,
       CASE r.place WHEN 0 THEN r.pol_name WHEN 1 THEN r.hub1_name WHEN 2 THEN r.hub2_name
                    WHEN 3 THEN r.pod_name ELSE r.final_destination END,
       CASE r.place WHEN 0 THEN r.pol_code WHEN 1 THEN r.hub1_code WHEN 2 THEN r.hub2_code
                    WHEN 3 THEN r.pod_code END,
       CASE r.place WHEN 0 THEN r.pol_lat WHEN 1 THEN r.hub1_lat WHEN 2 THEN r.hub2_lat WHEN 3 THEN r.pod_lat END,
       CASE r.place WHEN 0 THEN r.pol_lng WHEN 1 THEN r.hub1_lng WHEN 2 THEN r.hub2_lng WHEN 3 THEN r.pod_lng END,
       CASE r.leg WHEN 1 THEN r.vessel_name WHEN 2 THEN r.feeder WHEN 3 THEN r.mother END,
       CASE r.leg WHEN 1 THEN r.voyage_number WHEN 2 THEN r.voyage2 WHEN 3 THEN r.voyage3 END,
       CASE WHEN r.k = 13 AND r.n % 5 = 0 THEN 6 + r.n % 90
            WHEN r.k IN (4, 9, 12) AND r.n % 7 = 0 THEN r.n % 30 END,
       r.source,
       r.container_number || '-' || r.raw_code || '-' || r.k,
       jsonb_build_object('container_number', r.container_number, 'event', r.raw_code, 'timestamp', r.ts),
       r.ts + r.received_after
FROM (
    SELECT s.*, e.k, e.event_type, e.place, e.leg, e.raw_code, s.etd_jittered + e.after_etd AS ts
    FROM (
        -- per-shipment attributes
        SELECT sh.id, sh.container_number, sh.vessel_name, sh.voyage_number, sh.pol_code, sh.pol_name,
               sh.pod_code, sh.pod_name, sh.final_destination, q.n,
               sh.etd + interval '1 minute' * (q.n * 31 % 180) AS etd_jittered,
               interval '1 minute' * (5 + q.n % 40) AS received_after,
               CASE WHEN q.n % 10 = 0 THEN 'carrier' ELSE 'jsoncargo' END AS source,
               (100 + q.n % 800)::text || 'N' AS voyage2, (100 + q.n * 3 % 800)::text || 'N' AS voyage3,
               (ARRAY['Tanger Med','Algeciras','Lome','Valencia'])[1 + q.n % 4] AS hub1_name,
               (ARRAY['MAPTM','ESALG','TGLFW','ESVLC'])[1 + q.n % 4] AS hub1_code,
               (ARRAY[35.8847000, 36.1300000, 6.1319000, 39.4420000])[1 + q.n % 4] AS hub1_lat,
               (ARRAY[-5.5000000, -5.4400000, 1.2828000, -0.3160000])[1 + q.n % 4] AS hub1_lng,
               (ARRAY['Rotterdam','Antwerp','Le Havre','Bremerhaven'])[1 + q.n / 4 % 4] AS hub2_name,
               (ARRAY['NLRTM','BEANR','FRLEH','DEBRV'])[1 + q.n / 4 % 4] AS hub2_code,
               (ARRAY[51.9490000, 51.2660000, 49.4810000, 53.5630000])[1 + q.n / 4 % 4] AS hub2_lat,
               (ARRAY[4.1450000, 4.3990000, 0.1090000, 8.5550000])[1 + q.n / 4 % 4] AS hub2_lng,
               CASE sh.pol_code WHEN 'NGAPP' THEN 6.4474000 WHEN 'NGTIN' THEN 6.4365000 WHEN 'NGONN' THEN 4.7231000
                                WHEN 'GHTEM' THEN 5.6333000 WHEN 'CIABJ' THEN 5.2880000 WHEN 'BJCOO' THEN 6.3486000 END AS pol_lat,
               CASE sh.pol_code WHEN 'NGAPP' THEN 3.3644000 WHEN 'NGTIN' THEN 3.3539000 WHEN 'NGONN' THEN 7.1517000
                                WHEN 'GHTEM' THEN 0.0167000 WHEN 'CIABJ' THEN -4.0100000 WHEN 'BJCOO' THEN 2.4330000 END AS pol_lng,
               CASE sh.pod_code WHEN 'DEHAM' THEN 53.5403000 WHEN 'DEBRV' THEN 53.5630000 WHEN 'NLRTM' THEN 51.9490000
                                WHEN 'BEANR' THEN 51.2660000 WHEN 'FRLEH' THEN 49.4810000 END AS pod_lat,
               CASE sh.pod_code WHEN 'DEHAM' THEN 9.9700000 WHEN 'DEBRV' THEN 8.5550000 WHEN 'NLRTM' THEN 4.1450000
                                WHEN 'BEANR' THEN 4.3990000 WHEN 'FRLEH' THEN 0.1090000 END AS pod_lng,
               (ARRAY['MAERSK KOLKATA','CMA CGM FORT ST PIERRE','MSC TIANPING','X-PRESS ELBE'])[1 + q.n % 4] AS feeder,
               (ARRAY['HANSA EUROPE','ELBTRADER','BF CARP','WESER EXPRESS'])[1 + q.n / 2 % 4] AS mother
        FROM shipments sh
        CROSS JOIN LATERAL (SELECT right(sh.reference, 7)::int AS n) q
        OFFSET 0
    ) s
    CROSS JOIN (VALUES
        -- k, event, place (0 POL, 1 hub 1, 2 hub 2, 3 POD, 4 final destination), leg (vessel), time after ETD, raw code
        (1,  'BOOKING_CONFIRMED'::eventtype, 0, 0, interval '-240 hours', 'BKCF'),
        (2,  'GATE_IN'::eventtype,           0, 0, interval '-52 hours',  'GTIN'),
        (3,  'LOADED'::eventtype,            0, 1, interval '-8 hours',   'LOAD'),
        (4,  'DEPARTED'::eventtype,          0, 1, interval '2 hours',    'VDEP'),
        (5,  'ARRIVED'::eventtype,           1, 1, interval '170 hours',  'VARR'),
        (6,  'DISCHARGED'::eventtype,        1, 1, interval '182 hours',  'DISC'),
        (7,  'TRANSSHIPMENT'::eventtype,     1, 2, interval '200 hours',  'TSHP'),
        (8,  'LOADED'::eventtype,            1, 2, interval '226 hours',  'LOAD'),
        (9,  'DEPARTED'::eventtype,          1, 2, interval '238 hours',  'VDEP'),
        (10, 'ARRIVED'::eventtype,           2, 2, interval '300 hours',  'VARR'),
        (11, 'TRANSSHIPMENT'::eventtype,     2, 3, interval '320 hours',  'TSHP'),
        (12, 'DEPARTED'::eventtype,          2, 3, interval '350 hours',  'VDEP'),
        (13, 'ARRIVED'::eventtype,           3, 3, interval '470 hours',  'VARR'),
        (14, 'DISCHARGED'::eventtype,        3, 3, interval '482 hours',  'DISC'),
        (15, 'CUSTOMS_HOLD'::eventtype,      3, 0, interval '490 hours',  'CUSH'),
        (16, 'CUSTOMS_RELEASED'::eventtype,  3, 0, interval '530 hours',  'CUSR'),
        (17, 'GATE_OUT'::eventtype,          3, 0, interval '546 hours',  'GTOT'),
        (18, 'DELIVERED'::eventtype,         4, 0, interval '560 hours',  'DLVR'),
        (19, 'EMPTY_RETURN'::eventtype,      3, 0, interval '610 hours',  'EMRT'),
        (20, 'UNKNOWN'::eventtype,           3, 0, interval '640 hours',  'STUP')
    ) AS e(k, event_type, place, leg, after_etd, raw_code)
    OFFSET 0
) r;

-- ---------------------------------------------------------------------------
-- 7. Notifications: 10 per shipment, to synthetic users
-- ---------------------------------------------------------------------------
INSERT INTO notifications (id, user_id, type, title, message, data, read, read_at, created_at)
SELECT gen_random_uuid(),
       'user' || lpad((1 + (r.n * 7 + r.k * 13) % r.n_users)::text, 6, '0') || '@synthetic.example',
       r.type, r.title, r.title || ': ' || r.subject || r.tail, r.data, r.is_read,
       CASE WHEN r.is_read THEN r.created_at + r.read_after END,
       r.created_at
FROM (
    SELECT s.n, s.n_users, s.subject, s.data, s.read_after, m.k, m.type, m.title, m.tail,
           (s.n + m.k) % 10 < 7 AS is_read,
           s.etd_jittered + m.after_etd AS created_at
    FROM (
        SELECT q.n, u.n_users,
               sh.reference || ' (' || sh.container_number || ')' AS subject,
               jsonb_build_object('shipment_id', sh.id, 'shipment_reference', sh.reference) AS data,
               sh.etd + interval '1 minute' * (q.n % 50) AS etd_jittered,
               interval '1 hour' * (3 + q.n % 40) AS read_after
        FROM shipments sh
        CROSS JOIN LATERAL (SELECT right(sh.reference, 7)::int AS n) q
        CROSS JOIN (SELECT count(*)::int AS n_users FROM users) u
        OFFSET 0
    ) s
    CROSS JOIN (VALUES
        (1,  'document_uploaded',  'New Document Uploaded', ' - a bill of lading is waiting for review.',          interval '-200 hours'),
        (2,  'document_validated', 'Document Validated',    ' - the commercial invoice passed validation.',        interval '-150 hours'),
        (3,  'document_rejected',  'Document Rejected',     ' - the fumigation certificate was rejected.',         interval '-120 hours'),
        (4,  'expiry_warning',     'Document Expiring',     ' - the phytosanitary certificate expires in 14 days.', interval '-72 hours'),
        (5,  'compliance_alert',   'Compliance Alert',      ' - required documents are still missing.',            interval '-48 hours'),
        (6,  'shipment_departed',  'Shipment Departed',     ' has left the port of loading.',                      interval '3 hours'),
        (7,  'eta_changed',        'ETA Delayed',           ' - the vessel schedule changed at transshipment.',    interval '210 hours'),
        (8,  'shipment_arrived',   'Shipment Arrived',      ' has arrived at the port of discharge.',              interval '471 hours'),
        (9,  'shipment_delivered', 'Shipment Delivered',    ' was delivered to the final destination.',            interval '561 hours'),
        (10, 'system_alert',       'Tracking Update',       ' - container tracking data was refreshed.',           interval '620 hours')
    ) AS m(k, type, title, tail, after_etd)
    OFFSET 0
) r;

-- ---------------------------------------------------------------------------
-- 8. Audit logs: 20 requests per shipment by synthetic users, 2.5 % of them failed
-- ---------------------------------------------------------------------------
INSERT INTO audit_logs (id, user_id, username, ip_address, user_agent, action, resource_type, resource_id,
                        request_id, method, path, status_code, success, details, error_message, duration_ms,
                        "timestamp")
SELECT gen_random_uuid(),
       r.user_uuid::text,
       'user' || lpad(r.ui::text, 6, '0') || '@synthetic.example',
       (ARRAY['102.89.', '197.210.', '41.58.', '93.184.', '217.110.', '185.22.'])[1 + r.ui % 6]
           || (r.ui % 250 + 1) || '.' || ((r.n + r.k) % 250 + 1),
       (ARRAY['Mozilla/5.0 (Windows NT 10.0, Win64, x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
              'Mozilla/5.0 (Macintosh, Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15',
              'Mozilla/5.0 (Linux, Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36',
              'Mozilla/5.0 (X11, Linux x86_64, rv:133.0) Gecko/20100101 Firefox/133.0'])[1 + r.ui % 4],
       r.action, r.resource_type,
       CASE WHEN r.on_shipment THEN r.sid END,
       gen_random_uuid()::text,
       r.method,
       CASE WHEN r.path_suffix IS NULL THEN r.path ELSE r.path || r.sid || r.path_suffix END,
       CASE WHEN r.failed THEN r.fail_code ELSE r.ok_code END,
       CASE WHEN r.failed THEN 'false' ELSE 'true' END,
       CASE WHEN r.on_shipment THEN r.details ELSE '{}'::jsonb END,
       CASE WHEN r.failed THEN r.error END,
       (r.base_ms + (r.n * 13 + r.k * 7) % (r.base_ms * 3))::text,
       r.ts
FROM (
    SELECT s.n, s.sid, s.details, a.k, a.action, a.resource_type, a.method, a.path, a.path_suffix,
           a.ok_code, a.fail_code, a.error, a.base_ms, a.resource_type = 'shipment' AS on_shipment,
           (s.n * 7 + a.k * 3) % 40 = 0 AS failed,
           s.etd_jittered + a.after_etd AS ts,
           1 + (s.n * 11 + a.k * 17) % s.n_users AS ui,
           s.user_ids[1 + (s.n * 11 + a.k * 17) % s.n_users] AS user_uuid
    FROM (
        SELECT q.n, sh.id::text AS sid, u.n_users, u.user_ids,
               jsonb_build_object('reference', sh.reference, 'container_number', sh.container_number) AS details,
               sh.etd + interval '1 second' * (q.n * 97 % 3600) AS etd_jittered
        FROM shipments sh
        CROSS JOIN LATERAL (SELECT right(sh.reference, 7)::int AS n) q
        CROSS JOIN (SELECT count(*)::int AS n_users, array_agg(id ORDER BY email) AS user_ids FROM users) u
        OFFSET 0
    ) s
    CROSS JOIN (VALUES
        -- k, action, resource type, method, path (+ shipment id + suffix), ok / failure status, error,
        -- typical duration in ms, time after ETD
        (1,  'shipment.create',     'shipment',  'POST',  '/api/shipments',                  NULL,                '201', '422', 'Validation error: container_number', 60,   interval '-420 hours'),
        (2,  'shipment.view',       'shipment',  'GET',   '/api/shipments/',                 '',                  '200', '404', 'Shipment not found',                 35,   interval '-400 hours'),
        (3,  'document.upload',     'shipment',  'POST',  '/api/documents/upload',           NULL,                '200', '413', 'File too large',                     1500, interval '-230 hours'),
        (4,  'document.upload',     'shipment',  'POST',  '/api/documents/upload',           NULL,                '200', '400', 'Unsupported file type',              1400, interval '-200 hours'),
        (5,  'document.validate',   'shipment',  'POST',  '/api/shipments/',                 '/documents/validate', '200', '400', 'Validation rules failed',          90,   interval '-150 hours'),
        (6,  'shipment.list',       NULL,        'GET',   '/api/shipments',                  NULL,                '200', '500', 'Internal server error',              80,   interval '-140 hours'),
        (7,  'document.download',   'shipment',  'GET',   '/api/shipments/',                 '/documents',        '200', '404', 'File not found',                     120,  interval '-100 hours'),
        (8,  'auth.login',          'auth',      'POST',  '/api/auth/login',                 NULL,                '200', '401', 'Incorrect email or password',        250,  interval '-50 hours'),
        (9,  'shipment.update',     'shipment',  'PATCH', '/api/shipments/',                 '',                  '200', '403', 'Insufficient permissions',           55,   interval '-30 hours'),
        (10, 'tracking.refresh',    'shipment',  'POST',  '/api/tracking/refresh/',          '',                  '200', '429', 'Rate limit exceeded',                700,  interval '5 hours'),
        (11, 'shipment.view',       'shipment',  'GET',   '/api/shipments/',                 '',                  '200', '404', 'Shipment not found',                 35,   interval '30 hours'),
        (12, 'analytics.view',      'analytics', 'GET',   '/api/analytics/dashboard',        NULL,                '200', '500', 'Internal server error',              140,  interval '60 hours'),
        (13, 'tracking.view',       'shipment',  'GET',   '/api/tracking/events/',           '',                  '200', '404', 'Shipment not found',                 45,   interval '180 hours'),
        (14, 'shipment.view',       'shipment',  'GET',   '/api/shipments/',                 '',                  '200', '404', 'Shipment not found',                 35,   interval '320 hours'),
        (15, 'eudr.status.view',    'shipment',  'GET',   '/api/eudr/shipment/',             '/status',           '200', '404', 'Shipment not found',                 75,   interval '400 hours'),
        (16, 'tracking.refresh',    'shipment',  'POST',  '/api/tracking/refresh/',          '',                  '200', '502', 'Tracking provider unavailable',      900,  interval '460 hours'),
        (17, 'auditpack.download',  'shipment',  'GET',   '/api/shipments/',                 '/audit-pack',       '200', '500', 'Internal server error',              2400, interval '500 hours'),
        (18, 'shipment.view',       'shipment',  'GET',   '/api/shipments/',                 '',                  '200', '404', 'Shipment not found',                 35,   interval '560 hours'),
        (19, 'admin.auditlog.view', 'audit_log', 'GET',   '/api/audit-log',                  NULL,                '200', '403', 'Insufficient permissions',           65,   interval '600 hours'),
        (20, 'analytics.view',      'analytics', 'GET',   '/api/analytics/shipments',        NULL,                '200', '500', 'Internal server error',              110,  interval '650 hours')
    ) AS a(k, action, resource_type, method, path, path_suffix, ok_code, fail_code, error, base_ms, after_etd)
    OFFSET 0
) r;

-- ---------------------------------------------------------------------------
-- 9. End of the bulk-load window: re-create everything dropped above, exactly as revision
--    002 defines it (names, columns, ON DELETE actions, MATCH SIMPLE, not deferrable).
-- ---------------------------------------------------------------------------
ALTER TABLE documents ADD CONSTRAINT documents_pkey PRIMARY KEY (id);
ALTER TABLE documents ADD CONSTRAINT documents_shipment_id_fkey
    FOREIGN KEY (shipment_id) REFERENCES shipments (id);
ALTER TABLE document_contents ADD CONSTRAINT document_contents_document_id_fkey
    FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE;
ALTER TABLE reference_registry ADD CONSTRAINT reference_registry_document_id_fkey
    FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE SET NULL;
ALTER TABLE container_events ADD CONSTRAINT container_events_pkey PRIMARY KEY (id);
ALTER TABLE container_events ADD CONSTRAINT container_events_shipment_id_fkey
    FOREIGN KEY (shipment_id) REFERENCES shipments (id);
ALTER TABLE notifications ADD CONSTRAINT notifications_pkey PRIMARY KEY (id);
CREATE INDEX ix_notifications_user_id      ON notifications (user_id);
CREATE INDEX ix_notifications_user_read    ON notifications (user_id, read);
CREATE INDEX ix_notifications_user_created ON notifications (user_id, created_at);
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_pkey PRIMARY KEY (id);
CREATE INDEX ix_audit_logs_request_id       ON audit_logs (request_id);
CREATE INDEX ix_audit_logs_timestamp        ON audit_logs ("timestamp");
CREATE INDEX ix_audit_logs_user_timestamp   ON audit_logs (username, "timestamp");
CREATE INDEX ix_audit_logs_action_timestamp ON audit_logs (action, "timestamp");
CREATE INDEX ix_audit_logs_resource         ON audit_logs (resource_type, resource_id);
