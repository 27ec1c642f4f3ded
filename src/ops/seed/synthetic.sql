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
--     shipments or users already exist.
--   * Works run as one script (one implicit or explicit transaction) or statement by
--     statement on one session: there is no session state besides the two settings, no
--     temporary objects and no transaction control. Children are derived from the parent
--     rows already inserted (shipment number n is parsed back from the reference).
--   * No statement contains a semicolon inside a literal or comment, so the file can be split
--     naively on statement ends.
--   * Ids are random version-4 UUIDs (gen_random_uuid()). Timestamps are naive UTC and lie in
--     2024-2026: shipment n departs at a time that grows with n (2024-01-03 .. 2026-06-30),
--     so every child table is written in roughly ascending time order.
--   * Enum columns hold UPPER-CASE labels. Statuses are spread over the whole enum and the
--     dates agree with them (atd only once departed, ata only once arrived). Every shipment
--     nevertheless carries the full 20-event voyage history (fixed fan-out for benchmarks).
--   * Container numbers are ISO 6346 valid (check digit computed here).

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
       'imports@' || lower(w.word) || lpad(g::text, 5, '0') || '.' || lower(t.country) || '.example',
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
       'exports@' || lower(w.word) || lpad(g::text, 5, '0') || '.' || lower(t.country) || '.example',
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
--    n = 1..N, ETD grows with n over 2024-01-03 .. 2026-06-30 (plus up to 12 h jitter).
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
       x.vessel, x.voyage, x.etd, x.eta,
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
           timestamp '2024-01-03 06:00:00' + interval '1 second' * ((g::bigint * 78710400) / p.n_total)
               + interval '1 minute' * (g * 7919 % 720) AS etd,
           timestamp '2024-01-03 06:00:00' + interval '1 second' * ((g::bigint * 78710400) / p.n_total)
               + interval '1 minute' * (g * 7919 % 720) + interval '1 day' * (16 + g % 20) AS eta,
           (g::bigint * 7919 % 1000000)::int AS serial,
           (ARRAY['RHINE MAERSK','MAERSK CAIRO','MAERSK KOLKATA','CMA CGM TAGE','MSC AGADIR','GRANDE NIGERIA',
                  'GRANDE TEMA','SAFMARINE NOKWANDA','HANSA EUROPE','NORTHERN JUVENILE'])[1 + g % 10] AS vessel,
           (500 + g / 40 % 400)::text || (ARRAY['N','S','E','W'])[1 + g % 4] AS voyage
) x
CROSS JOIN LATERAL (SELECT * FROM (VALUES
        -- owner code, 2^0..2^3-weighted letter sum of the code, carrier, B/L prefix
        (0, 'MRSU', 458, 'MAERSK', ''),
        (1, 'MSKU', 424, 'MAERSK', ''),
        (2, 'TCNU', 413, 'CMACGM', 'LGS'),
        (3, 'MSCU', 392, 'MSC',    'MEDU'),
        (4, 'CMAU', 357, 'CMACGM', 'AFR'),
        (5, 'HLXU', 464, 'HLAG',   'HLCU'),
        (6, 'GESU', 423, 'GRIMALDI','GRI')
    ) AS v(k, code, letters, carrier, bl_prefix) WHERE v.k = x.n % 7) o
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
-- 5. Documents: 10 per shipment, status follows the shipment's progress
-- ---------------------------------------------------------------------------
INSERT INTO documents (id, shipment_id, document_type, document_types, name, file_path, file_name, file_size_bytes,
                       mime_type, status, required, is_combined, content_count, page_count, reference_number,
                       issue_date, expiry_date, issuing_authority, validation_notes, uploaded_by, uploaded_at,
                       validated_at, validated_by, extra_data, created_at, updated_at)
SELECT gen_random_uuid(), s.id, d.doc_type, d.types_json,
       d.label || ' ' || s.reference,
       CASE WHEN z.status <> 'DRAFT' THEN 'uploads/' || s.id || '/' || d.file_stub || '_' || z.n || '.pdf' END,
       CASE WHEN z.status <> 'DRAFT' THEN d.file_stub || '_' || z.n || '.pdf' END,
       CASE WHEN z.status <> 'DRAFT' THEN 40000 + (z.n * 7919 + d.k * 104729) % 900000 END,
       CASE WHEN z.status <> 'DRAFT' THEN 'application/pdf' END,
       z.status, d.required, false, 1,
       CASE WHEN z.status <> 'DRAFT' THEN 1 + (z.n + d.k) % 4 END,
       CASE WHEN z.status <> 'DRAFT' THEN d.ref_prefix || lpad(((z.n * 10 + d.k) % 100000000)::text, 8, '0') END,
       CASE WHEN z.status <> 'DRAFT' THEN (s.etd - interval '1 day' * d.days_before)::date END,
       CASE WHEN z.status <> 'DRAFT' AND d.valid_days > 0 THEN (s.etd + interval '1 day' * d.valid_days)::date END,
       CASE WHEN z.status <> 'DRAFT' THEN d.authority END,
       CASE WHEN z.status = 'COMPLIANCE_FAILED' THEN 'Rejected: reference number does not match the bill of lading' END,
       CASE WHEN z.status <> 'DRAFT' THEN 'user' || lpad((1 + (z.n * 3 + d.k) % u.n_users)::text, 6, '0') || '@synthetic.example' END,
       CASE WHEN z.status <> 'DRAFT' THEN s.etd - interval '1 hour' * (d.days_before * 24 - 20) END,
       CASE WHEN z.status NOT IN ('DRAFT', 'UPLOADED') THEN s.etd - interval '1 hour' * (d.days_before * 24 - 44) END,
       CASE WHEN z.status NOT IN ('DRAFT', 'UPLOADED') THEN 'user' || lpad((2 + (z.n * 6) % (u.n_users - 1))::text, 6, '0') || '@synthetic.example' END,
       '{}'::jsonb,
       s.created_at + interval '1 minute' * d.k,
       CASE WHEN z.status = 'DRAFT' THEN s.created_at + interval '1 minute' * d.k
            WHEN z.status = 'UPLOADED' THEN s.etd - interval '1 hour' * (d.days_before * 24 - 20)
            ELSE s.etd - interval '1 hour' * (d.days_before * 24 - 44) END
FROM (SELECT count(*)::int AS n_users FROM users) u
CROSS JOIN shipments s
CROSS JOIN (VALUES
        (1,  'BILL_OF_LADING'::documenttype,                '["bill_of_lading"]'::jsonb,                'Bill of Lading',                'bill_of_lading',      'BL',   1,  0,   'Carrier',                                          true),
        (2,  'COMMERCIAL_INVOICE'::documenttype,            '["commercial_invoice"]'::jsonb,            'Commercial Invoice',            'commercial_invoice',  'INV',  6,  0,   'Exporter',                                         true),
        (3,  'PACKING_LIST'::documenttype,                  '["packing_list"]'::jsonb,                  'Packing List',                  'packing_list',        'PL',   6,  0,   'Exporter',                                         true),
        (4,  'CERTIFICATE_OF_ORIGIN'::documenttype,         '["certificate_of_origin"]'::jsonb,         'Certificate of Origin',         'certificate_of_origin','CO',  8,  0,   'Chamber of Commerce (NACCIMA)',                    true),
        (5,  'PHYTOSANITARY_CERTIFICATE'::documenttype,     '["phytosanitary_certificate"]'::jsonb,     'Phytosanitary Certificate',     'phytosanitary',       'PC',   4,  60,  'Nigeria Agricultural Quarantine Service',          true),
        (6,  'FUMIGATION_CERTIFICATE'::documenttype,        '["fumigation_certificate"]'::jsonb,        'Fumigation Certificate',        'fumigation',          'FC',   3,  30,  'Licensed fumigation contractor',                   false),
        (7,  'VETERINARY_HEALTH_CERTIFICATE'::documenttype, '["veterinary_health_certificate"]'::jsonb, 'Veterinary Health Certificate', 'veterinary_health',   'VHC',  5,  90,  'Federal Department of Veterinary Services, Nigeria', true),
        (8,  'EU_TRACES_CERTIFICATE'::documenttype,         '["eu_traces_certificate"]'::jsonb,         'EU TRACES Certificate',         'eu_traces',           'RC',   2,  0,   'European Commission TRACES NT',                    true),
        (9,  'EXPORT_DECLARATION'::documenttype,            '["export_declaration"]'::jsonb,            'Export Declaration (NXP)',      'export_declaration',  'NXP',  9,  0,   'Nigeria Customs Service',                          true),
        (10, 'EUDR_DUE_DILIGENCE'::documenttype,            '["eudr_due_diligence"]'::jsonb,            'EUDR Due Diligence Statement',  'eudr_dds',            'DDS',  7,  365, 'Operator',                                         false)
    ) AS d(k, doc_type, types_json, label, file_stub, ref_prefix, days_before, valid_days, authority, required)
CROSS JOIN LATERAL (
    SELECT right(s.reference, 7)::int AS n,
           CASE
             WHEN s.status = 'CREATED' THEN
               CASE WHEN (right(s.reference, 7)::int + d.k * 3) % 10 < 7 THEN 'DRAFT' ELSE 'UPLOADED' END
             WHEN s.status = 'DOCS_PENDING' THEN
               (ARRAY['DRAFT','UPLOADED','UPLOADED','VALIDATED','VALIDATED','COMPLIANCE_FAILED','DRAFT','UPLOADED','VALIDATED','COMPLIANCE_OK'])[1 + (right(s.reference, 7)::int + d.k) % 10]
             WHEN s.status IN ('DOCS_COMPLETE', 'IN_TRANSIT', 'ARRIVED') THEN
               (ARRAY['VALIDATED','COMPLIANCE_OK','COMPLIANCE_OK','LINKED','VALIDATED','COMPLIANCE_OK','LINKED','COMPLIANCE_OK','UPLOADED','COMPLIANCE_FAILED'])[1 + (right(s.reference, 7)::int + d.k) % 10]
             WHEN s.status = 'DELIVERED' THEN
               (ARRAY['LINKED','LINKED','COMPLIANCE_OK','LINKED','VALIDATED','LINKED','COMPLIANCE_OK','LINKED','LINKED','ARCHIVED'])[1 + (right(s.reference, 7)::int + d.k) % 10]
             ELSE
               (ARRAY['ARCHIVED','ARCHIVED','LINKED','ARCHIVED','ARCHIVED','LINKED','ARCHIVED','ARCHIVED','COMPLIANCE_OK','ARCHIVED'])[1 + (right(s.reference, 7)::int + d.k) % 10]
           END::documentstatus AS status
) z;

-- ---------------------------------------------------------------------------
-- 6. Container events: 20 per shipment, POL -> hub 1 -> hub 2 -> POD -> delivery
-- ---------------------------------------------------------------------------
INSERT INTO container_events (id, shipment_id, event_type, event_timestamp, location_name, location_code,
                              location_lat, location_lng, vessel_name, voyage_number, delay_hours, source,
                              external_id, raw_payload, created_at)
SELECT gen_random_uuid(), s.id, e.event_type, t.ts,
       CASE e.place WHEN 0 THEN s.pol_name WHEN 1 THEN s.hub1_name WHEN 2 THEN s.hub2_name
                    WHEN 3 THEN s.pod_name ELSE s.final_destination END,
       CASE e.place WHEN 0 THEN s.pol_code WHEN 1 THEN s.hub1_code WHEN 2 THEN s.hub2_code
                    WHEN 3 THEN s.pod_code ELSE NULL END,
       CASE e.place WHEN 0 THEN s.pol_lat WHEN 1 THEN s.hub1_lat WHEN 2 THEN s.hub2_lat WHEN 3 THEN s.pod_lat END,
       CASE e.place WHEN 0 THEN s.pol_lng WHEN 1 THEN s.hub1_lng WHEN 2 THEN s.hub2_lng WHEN 3 THEN s.pod_lng END,
       CASE WHEN e.leg = 1 THEN s.vessel_name WHEN e.leg = 2 THEN s.feeder WHEN e.leg = 3 THEN s.mother END,
       CASE WHEN e.leg = 1 THEN s.voyage_number WHEN e.leg IN (2, 3) THEN s.voyage_number || e.leg END,
       CASE WHEN e.k = 13 AND s.n % 5 = 0 THEN 6 + s.n % 90 WHEN e.k IN (4, 9, 12) AND s.n % 7 = 0 THEN s.n % 30 END,
       CASE WHEN s.n % 10 = 0 THEN 'carrier' ELSE 'jsoncargo' END,
       s.container_number || '-' || e.raw_code || '-' || e.k,
       jsonb_build_object('container_number', s.container_number, 'event', e.raw_code,
                          'timestamp', t.ts, 'voyage', s.voyage_number),
       t.ts + interval '1 minute' * (5 + s.n % 40)
FROM (
    -- per-shipment attributes, computed once per shipment (OFFSET 0 keeps this from being flattened)
    SELECT sh.id, sh.container_number, sh.etd, sh.vessel_name, sh.voyage_number, sh.pol_code, sh.pol_name,
           sh.pod_code, sh.pod_name, sh.final_destination, q.n,
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
        -- k, event, place (0 POL, 1 hub 1, 2 hub 2, 3 POD, 4 final destination), leg, hours after ETD, raw code
        (1,  'BOOKING_CONFIRMED'::eventtype, 0, 0, -240, 'BKCF'),
        (2,  'GATE_IN'::eventtype,           0, 0, -52,  'GTIN'),
        (3,  'LOADED'::eventtype,            0, 1, -8,   'LOAD'),
        (4,  'DEPARTED'::eventtype,          0, 1, 2,    'VDEP'),
        (5,  'ARRIVED'::eventtype,           1, 1, 170,  'VARR'),
        (6,  'DISCHARGED'::eventtype,        1, 1, 182,  'DISC'),
        (7,  'TRANSSHIPMENT'::eventtype,     1, 2, 200,  'TSHP'),
        (8,  'LOADED'::eventtype,            1, 2, 226,  'LOAD'),
        (9,  'DEPARTED'::eventtype,          1, 2, 238,  'VDEP'),
        (10, 'ARRIVED'::eventtype,           2, 2, 300,  'VARR'),
        (11, 'TRANSSHIPMENT'::eventtype,     2, 3, 320,  'TSHP'),
        (12, 'DEPARTED'::eventtype,          2, 3, 350,  'VDEP'),
        (13, 'ARRIVED'::eventtype,           3, 3, 470,  'VARR'),
        (14, 'DISCHARGED'::eventtype,        3, 3, 482,  'DISC'),
        (15, 'CUSTOMS_HOLD'::eventtype,      3, 0, 490,  'CUSH'),
        (16, 'CUSTOMS_RELEASED'::eventtype,  3, 0, 530,  'CUSR'),
        (17, 'GATE_OUT'::eventtype,          3, 0, 546,  'GTOT'),
        (18, 'DELIVERED'::eventtype,         4, 0, 560,  'DLVR'),
        (19, 'EMPTY_RETURN'::eventtype,      3, 0, 610,  'EMRT'),
        (20, 'UNKNOWN'::eventtype,           3, 0, 640,  'STUP')
    ) AS e(k, event_type, place, leg, hours, raw_code)
CROSS JOIN LATERAL (SELECT s.etd + interval '1 hour' * e.hours + interval '1 minute' * ((s.n * 31 + e.k * 17) % 180) AS ts) t;

-- ---------------------------------------------------------------------------
-- 7. Notifications: 10 per shipment for synthetic users
-- ---------------------------------------------------------------------------
INSERT INTO notifications (id, user_id, type, title, message, data, read, read_at, created_at)
SELECT gen_random_uuid(),
       'user' || lpad((1 + (z.n * 7 + m.k * 13) % u.n_users)::text, 6, '0') || '@synthetic.example',
       m.type, m.title,
       m.title || ': ' || s.reference || ' (' || s.container_number || ')' || m.tail,
       jsonb_build_object('shipment_id', s.id, 'shipment_reference', s.reference),
       z.is_read,
       CASE WHEN z.is_read THEN s.etd + interval '1 hour' * (m.hours + 3 + z.n % 40) END,
       s.etd + interval '1 hour' * m.hours + interval '1 minute' * (z.n % 50)
FROM (SELECT count(*)::int AS n_users FROM users) u
CROSS JOIN shipments s
CROSS JOIN (VALUES
        (1,  'document_uploaded',  'New Document Uploaded',       ' - a bill of lading is waiting for review.',          -200),
        (2,  'document_validated', 'Document Validated',          ' - the commercial invoice passed validation.',        -150),
        (3,  'document_rejected',  'Document Rejected',           ' - the fumigation certificate was rejected.',         -120),
        (4,  'expiry_warning',     'Document Expiring',           ' - the phytosanitary certificate expires in 14 days.', -72),
        (5,  'compliance_alert',   'Compliance Alert',            ' - required documents are still missing.',            -48),
        (6,  'shipment_departed',  'Shipment Departed',           ' has left the port of loading.',                      3),
        (7,  'eta_changed',        'ETA Delayed',                 ' - the vessel schedule changed at transshipment.',    210),
        (8,  'shipment_arrived',   'Shipment Arrived',            ' has arrived at the port of discharge.',              471),
        (9,  'shipment_delivered', 'Shipment Delivered',          ' was delivered to the final destination.',            561),
        (10, 'system_alert',       'Tracking Update',             ' - container tracking data was refreshed.',           620)
    ) AS m(k, type, title, tail, hours)
CROSS JOIN LATERAL (SELECT right(s.reference, 7)::int AS n,
                           (right(s.reference, 7)::int + m.k) % 10 < 7 AS is_read) z;

-- ---------------------------------------------------------------------------
-- 8. Audit logs: 20 per shipment (requests by synthetic users)
-- ---------------------------------------------------------------------------
INSERT INTO audit_logs (id, user_id, username, ip_address, user_agent, action, resource_type, resource_id,
                        request_id, method, path, status_code, success, details, error_message, duration_ms,
                        "timestamp")
SELECT gen_random_uuid(),
       u.ids[z.ui]::text,
       'user' || lpad(z.ui::text, 6, '0') || '@synthetic.example',
       (ARRAY['102.89.', '197.210.', '41.58.', '93.184.', '217.110.', '185.22.'])[1 + z.ui % 6]
           || (z.ui % 250 + 1) || '.' || ((z.n + a.k) % 250 + 1),
       (ARRAY['Mozilla/5.0 (Windows NT 10.0, Win64, x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
              'Mozilla/5.0 (Macintosh, Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15',
              'Mozilla/5.0 (Linux, Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36',
              'Mozilla/5.0 (X11, Linux x86_64, rv:133.0) Gecko/20100101 Firefox/133.0'])[1 + z.ui % 4],
       a.action, a.resource_type,
       CASE WHEN a.resource_type = 'shipment' THEN s.id::text END,
       gen_random_uuid()::text,
       a.method,
       replace(a.path, '{id}', s.id::text),
       CASE WHEN z.failed THEN a.fail_code ELSE a.ok_code END,
       CASE WHEN z.failed THEN 'false' ELSE 'true' END,
       CASE WHEN a.resource_type = 'shipment' THEN jsonb_build_object('reference', s.reference) ELSE '{}'::jsonb END,
       CASE WHEN z.failed THEN a.error END,
       (a.base_ms + (z.n * 13 + a.k * 7) % (a.base_ms * 3))::text,
       s.etd + interval '1 hour' * a.hours + interval '1 second' * ((z.n * 97 + a.k * 31) % 3600)
FROM (SELECT count(*)::int AS n_users, array_agg(id ORDER BY email) AS ids FROM users) u
CROSS JOIN shipments s
CROSS JOIN (VALUES
        -- k, action, resource type, method, path, ok code, failure code, error, typical ms, hours after ETD
        (1,  'shipment.create',          'shipment',  'POST',  '/api/shipments',                          '201', '422', 'Validation error: container_number',   60,  -420),
        (2,  'shipment.view',            'shipment',  'GET',   '/api/shipments/{id}',                     '200', '404', 'Shipment not found',                  35,  -400),
        (3,  'document.upload',          'shipment',  'POST',  '/api/documents/upload',                   '200', '413', 'File too large',                      1500, -230),
        (4,  'document.upload',          'shipment',  'POST',  '/api/documents/upload',                   '200', '400', 'Unsupported file type',               1400, -200),
        (5,  'document.validate',        'shipment',  'POST',  '/api/documents/transition',               '200', '400', 'Validation rules failed',             90,  -150),
        (6,  'shipment.list',            NULL,        'GET',   '/api/shipments',                          '200', '500', 'Internal server error',               80,  -140),
        (7,  'document.download',        'shipment',  'GET',   '/api/documents/download',                 '200', '404', 'File not found',                      120, -100),
        (8,  'auth.login',               'auth',      'POST',  '/api/auth/login',                         '200', '401', 'Incorrect email or password',         250, -50),
        (9,  'shipment.update',          'shipment',  'PATCH', '/api/shipments/{id}',                     '200', '403', 'Insufficient permissions',            55,  -30),
        (10, 'tracking.refresh',         'shipment',  'POST',  '/api/tracking/refresh/{id}',              '200', '429', 'Rate limit exceeded',                 700, 5),
        (11, 'shipment.view',            'shipment',  'GET',   '/api/shipments/{id}',                     '200', '404', 'Shipment not found',                  35,  30),
        (12, 'analytics.view',           'analytics', 'GET',   '/api/analytics/dashboard',                '200', '500', 'Internal server error',               140, 60),
        (13, 'tracking.view',            'shipment',  'GET',   '/api/tracking/events/{id}',               '200', '404', 'Shipment not found',                  45,  180),
        (14, 'shipment.view',            'shipment',  'GET',   '/api/shipments/{id}',                     '200', '404', 'Shipment not found',                  35,  320),
        (15, 'eudr.status.view',         'shipment',  'GET',   '/api/eudr/shipment/{id}/status',          '200', '404', 'Shipment not found',                  75,  400),
        (16, 'tracking.refresh',         'shipment',  'POST',  '/api/tracking/refresh/{id}',              '200', '502', 'Tracking provider unavailable',       900, 460),
        (17, 'auditpack.download',       'shipment',  'GET',   '/api/shipments/{id}/audit-pack',          '200', '500', 'Internal server error',               2400, 500),
        (18, 'shipment.view',            'shipment',  'GET',   '/api/shipments/{id}',                     '200', '404', 'Shipment not found',                  35,  560),
        (19, 'admin.auditlog.view',      'audit_log', 'GET',   '/api/audit-log',                          '200', '403', 'Insufficient permissions',            65,  600),
        (20, 'analytics.view',           'analytics', 'GET',   '/api/analytics/shipments',                '200', '500', 'Internal server error',               110, 650)
    ) AS a(k, action, resource_type, method, path, ok_code, fail_code, error, base_ms, hours)
CROSS JOIN LATERAL (SELECT right(s.reference, 7)::int AS n,
                           1 + (right(s.reference, 7)::int * 11 + a.k * 17) % u.n_users AS ui,
                           (right(s.reference, 7)::int * 7 + a.k * 3) % 40 = 0 AS failed) z;
