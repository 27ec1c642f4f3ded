-- TraceHub demo world (revision 002 schema, single tenant).
--
-- What: the predecessor's demonstration data set -- the VIBOTAJ team users, the
-- supplier TEMIRA and the German buyers WITATRADE and HAGES, two horn & hoof
-- shipments Apapa -> Hamburg (VIBO-2026-001 in transit, VIBO-2026-002 waiting for
-- documents) with products, EUDR origins, documents in various workflow states,
-- detected document contents, the reference registry, container tracking events,
-- notifications and audit-log entries.
--
-- Parameters: one custom setting, read with current_setting():
--   tracehub.seed_password_hash  bcrypt hash given to every demo user
--   (the caller runs  SELECT set_config('tracehub.seed_password_hash', <hash>, true)  first).
--
-- Contract:
--   * Runs inside ONE transaction that the caller opens and commits (no BEGIN/COMMIT here).
--   * Idempotent: every row has a fixed UUID and every INSERT ends in
--     ON CONFLICT DO NOTHING, all values (timestamps included) are literals, so a
--     second run inserts nothing and changes nothing.
--   * Child rows are inserted only if their parent row with the fixed id exists. If a
--     database already holds a different VIBO-2026-00x shipment (same reference, other id)
--     or a user with one of these e-mails, that row is skipped together with its children
--     instead of failing.
--   * Enum columns hold the UPPER-CASE labels, JSON lists of document types and
--     notification types hold the lower-case API strings. Timestamps are naive UTC.
--   * Party names: the fuller legal names are used, each starting with the short name
--     (TEMIRA INDUSTRIES NIGERIA LTD, WITATRADE GMBH, HAGES GMBH).
--   * Container numbers carry a correct ISO 6346 check digit (MRSU345257-2, TCNU765432-8).
--   * No statement contains a semicolon inside a literal or comment, so the file can also be
--     split naively on statement ends.
--
-- Fixed-id scheme (all valid version-4 shaped UUIDs), by table:
--   users 1..., parties 2..., shipments 3..., products 4..., origins 5..., documents 6...,
--   document_contents 7..., reference_registry 8..., container_events 9...,
--   notifications a..., audit_logs b...

-- ---------------------------------------------------------------------------
-- Users (all active, same password hash)
-- ---------------------------------------------------------------------------
INSERT INTO users (id, email, hashed_password, full_name, role, is_active, created_at, updated_at, last_login)
SELECT v.id::uuid, v.email, current_setting('tracehub.seed_password_hash'), v.full_name,
       v.role::userrole, true, v.created_at::timestamp, v.created_at::timestamp, v.last_login::timestamp
FROM (VALUES
    ('10000000-0000-4000-8000-000000000001', 'admin@vibotaj.com',      'Adebayo Ogunleye', 'ADMIN',           '2025-11-03 08:00:00', '2026-01-07 07:42:10'),
    ('10000000-0000-4000-8000-000000000002', 'compliance@vibotaj.com', 'Chidi Okonkwo',    'COMPLIANCE',      '2025-11-03 08:05:00', '2026-01-07 08:15:33'),
    ('10000000-0000-4000-8000-000000000003', 'logistic@vibotaj.com',   'Emeka Nwosu',      'LOGISTICS_AGENT', '2025-11-03 08:10:00', '2026-01-06 16:20:05'),
    ('10000000-0000-4000-8000-000000000004', 'viewer@vibotaj.com',     'Funmilayo Adeyemi','VIEWER',          '2025-11-10 09:00:00', NULL),
    ('10000000-0000-4000-8000-000000000005', 'buyer@witatrade.de',     'Hans Becker',      'BUYER',           '2025-11-12 10:30:00', '2026-01-05 09:02:47'),
    ('10000000-0000-4000-8000-000000000006', 'buyer@hages.de',         'Jonas Weber',      'BUYER',           '2026-01-06 08:00:00', '2026-01-06 14:11:09'),
    ('10000000-0000-4000-8000-000000000007', 'supplier@temira.ng',     'Adaeze Eze',       'SUPPLIER',        '2025-11-12 11:00:00', '2026-01-06 11:48:52')
) AS v(id, email, full_name, role, created_at, last_login)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Parties
-- ---------------------------------------------------------------------------
INSERT INTO parties (id, type, company_name, contact_name, email, phone, address, city, country,
                     registration_number, tax_id, created_at, updated_at)
VALUES
    ('20000000-0000-4000-8000-000000000001', 'SUPPLIER', 'TEMIRA INDUSTRIES NIGERIA LTD', 'Adaeze Eze',
     'exports@temira.ng', '+234 803 555 0142', '14 Creek Road, Apapa', 'Lagos', 'NG',
     'RC 1482736', 'TIN 20481736-0001', '2025-11-12 11:00:00', '2025-11-12 11:00:00'),
    ('20000000-0000-4000-8000-000000000002', 'BUYER', 'WITATRADE GMBH', 'Hans Becker',
     'imports@witatrade.de', '+49 4174 555 210', 'Am Gewerbepark 7', 'Stelle', 'DE',
     'HRB 207315', 'DE318552047', '2025-11-12 10:30:00', '2025-11-12 10:30:00'),
    ('20000000-0000-4000-8000-000000000003', 'BUYER', 'HAGES GMBH', 'Jonas Weber',
     'einkauf@hages.de', '+49 40 555 3187', 'Billstrasse 112', 'Hamburg', 'DE',
     'HRB 164209', 'DE294416730', '2026-01-06 08:00:00', '2026-01-06 08:00:00')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Shipments
-- ---------------------------------------------------------------------------
INSERT INTO shipments (id, reference, container_number, bl_number, booking_reference, vessel_name,
                       voyage_number, etd, eta, atd, ata, pol_code, pol_name, pod_code, pod_name,
                       final_destination, incoterms, status, buyer_id, supplier_id, created_at, updated_at)
VALUES
    ('30000000-0000-4000-8000-000000000001', 'VIBO-2026-001', 'MRSU3452572', '262495038', 'MAERSK-550N-001',
     'RHINE MAERSK', '550N', '2025-12-13 18:00:00', '2026-01-03 06:00:00', '2025-12-13 21:40:00', NULL,
     'NGAPP', 'Apapa, Lagos', 'DEHAM', 'Hamburg', 'Stelle', 'FOB', 'IN_TRANSIT',
     '20000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000001',
     '2025-12-01 09:15:00', '2025-12-24 03:10:00'),
    ('30000000-0000-4000-8000-000000000002', 'VIBO-2026-002', 'TCNU7654328', '262495039', 'MAERSK-551N-002',
     'MAERSK CAIRO', '551N', '2026-01-14 20:00:00', '2026-02-04 08:00:00', NULL, NULL,
     'NGAPP', 'Apapa, Lagos', 'DEHAM', 'Hamburg', 'Hamburg', 'FOB', 'DOCS_PENDING',
     '20000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000001',
     '2026-01-06 09:30:00', '2026-01-09 14:05:00')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Products (horn & hoof, HS 0506.90)
-- ---------------------------------------------------------------------------
INSERT INTO products (id, shipment_id, hs_code, description, quantity_net_kg, quantity_gross_kg,
                      unit_of_measure, packaging_type, packaging_count, batch_lot_number, quality_grade,
                      moisture_percentage, production_date, created_at, updated_at)
SELECT v.id::uuid, v.shipment_id::uuid, v.hs_code, v.description, v.net::numeric, v.gross::numeric,
       'KG', v.packaging_type, v.packaging_count::int, v.batch, v.grade, v.moisture::numeric,
       v.production_date::date, v.created_at::timestamp, v.created_at::timestamp
FROM (VALUES
    ('40000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', '0506.90.00',
     'Crushed Cow Hooves & Horns, sun-dried, 2-6 cm', '25000.000', '25200.000',
     'Woven PP jumbo bags in 1 x 40ft HC container', '25', 'VIBO-2026-001-LOT1', 'Grade A', '9.50', '2025-11-28',
     '2025-12-01 09:20:00'),
    ('40000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000002', '0506.90.00',
     'Crushed Cow Horns, sun-dried, 2-6 cm', '12000.000', '12100.000',
     'Woven PP jumbo bags', '12', 'VIBO-2026-002-LOT1', 'Grade A', '10.20', '2025-12-19',
     '2026-01-06 09:35:00'),
    ('40000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000002', '0506.90.00',
     'Crushed Cow Hooves, sun-dried, 1-4 cm', '10000.000', '10080.000',
     'Woven PP jumbo bags', '10', 'VIBO-2026-002-LOT2', 'Grade B', '11.00', '2025-12-22',
     '2026-01-06 09:36:00')
) AS v(id, shipment_id, hs_code, description, net, gross, packaging_type, packaging_count, batch, grade,
       moisture, production_date, created_at)
WHERE EXISTS (SELECT 1 FROM shipments s WHERE s.id = v.shipment_id::uuid)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Origins (TEMIRA collection points, Lagos state, Nigeria)
-- ---------------------------------------------------------------------------
INSERT INTO origins (id, product_id, farm_plot_identifier, geolocation_lat, geolocation_lng, geolocation_polygon,
                     country, region, district, production_start_date, production_end_date, supplier_id,
                     deforestation_cutoff_compliant, due_diligence_statement_ref, deforestation_free_statement,
                     risk_level, risk_score, risk_assessment_date, risk_assessment_notes,
                     supplier_attestation_date, supplier_attestation_reference, supplier_attestation_document_id,
                     verified_at, verified_by, verification_method, verification_notes, verification_document_ids,
                     eudr_reference_number, eudr_submission_date, eudr_status, created_at, updated_at)
SELECT v.id::uuid, v.product_id::uuid, v.plot, v.lat::numeric, v.lng::numeric, v.polygon::jsonb,
       'NG', 'Lagos', v.district, v.prod_start::date, v.prod_end::date, '20000000-0000-4000-8000-000000000001'::uuid,
       true, NULL,
       'Animal by-products collected from licensed abattoirs. No land-use change or deforestation is associated with their production.',
       v.risk_level::risklevel, v.risk_score::numeric, v.risk_date::timestamp,
       'Country risk MEDIUM (NG). Horn and hoof (HS 0506) is outside the EUDR commodity scope, data kept for traceability.',
       v.attest_date::date, v.attest_ref, NULL,
       v.verified_at::timestamp, v.verified_by, v.method::verificationmethod, v.verification_notes,
       v.verification_docs::jsonb, NULL, NULL, 'not_required', v.created_at::timestamp, v.created_at::timestamp
FROM (VALUES
    ('50000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001', 'NG-LA-TEMIRA-001',
     '6.4541000', '3.3947000',
     '{"type": "Polygon", "coordinates": [[[3.3931, 6.4533], [3.3962, 6.4533], [3.3962, 6.4551], [3.3931, 6.4551], [3.3931, 6.4533]]]}',
     'Lagos Island', '2025-10-01', '2025-11-30', 'MEDIUM', '75.00', '2025-12-02 10:00:00',
     '2025-11-30', 'TEMIRA-ATT-2025-118',
     '2025-12-03 15:20:00', 'compliance@vibotaj.com', 'DOCUMENT_REVIEW',
     'Abattoir sourcing records and supplier attestation reviewed.',
     '["60000000-0000-4000-8000-000000000004"]', '2025-12-01 09:25:00'),
    ('50000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000002', 'NG-LA-TEMIRA-002',
     '6.6018000', '3.3515000', NULL,
     'Ikeja', '2025-11-15', '2025-12-31', 'MEDIUM', '60.00', '2026-01-07 09:00:00',
     '2025-12-31', 'TEMIRA-ATT-2026-004',
     NULL, NULL, 'SUPPLIER_ATTESTATION', NULL,
     '[]', '2026-01-06 09:40:00')
) AS v(id, product_id, plot, lat, lng, polygon, district, prod_start, prod_end, risk_level, risk_score, risk_date,
       attest_date, attest_ref, verified_at, verified_by, method, verification_notes, verification_docs, created_at)
WHERE EXISTS (SELECT 1 FROM products p WHERE p.id = v.product_id::uuid)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Documents
--   VIBO-2026-001: the full horn & hoof set for Germany, mostly through review
--   VIBO-2026-002: invoice validated, drafts and a rejected phytosanitary certificate
-- ---------------------------------------------------------------------------
INSERT INTO documents (id, shipment_id, document_type, document_types, name, file_path, file_name, file_size_bytes,
                       mime_type, status, required, is_combined, content_count, page_count, reference_number,
                       issue_date, expiry_date, issuing_authority, validation_notes, uploaded_by, uploaded_at,
                       validated_at, validated_by, extra_data, created_at, updated_at)
SELECT v.id::uuid, v.shipment_id::uuid, v.doc_type::documenttype,
       jsonb_build_array(lower(v.doc_type)), v.name,
       CASE WHEN v.file_name IS NOT NULL
            THEN 'uploads/' || CASE v.shipment_id WHEN '30000000-0000-4000-8000-000000000001' THEN 'VIBO-2026-001'
                                                  ELSE 'VIBO-2026-002' END || '/' || v.file_name END,
       v.file_name, v.file_size::int,
       CASE WHEN v.file_name IS NOT NULL THEN 'application/pdf' END,
       v.status::documentstatus, v.required::boolean, false, 1, v.pages::int, v.ref, v.issue_date::date,
       v.expiry_date::date, v.authority, v.notes, v.uploaded_by, v.uploaded_at::timestamp,
       v.validated_at::timestamp, v.validated_by, v.extra::jsonb, v.created_at::timestamp,
       coalesce(v.validated_at, v.uploaded_at, v.created_at)::timestamp
FROM (VALUES
    -- VIBO-2026-001
    ('60000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', 'BILL_OF_LADING',
     'Bill of Lading 262495038', 'bill_of_lading_262495038.pdf', '248311', 'LINKED', 'true', '2',
     '262495038', '2025-12-13', NULL, 'Maersk A/S', NULL,
     'supplier@temira.ng', '2025-12-14 10:12:00', '2025-12-15 09:30:00', 'compliance@vibotaj.com',
     '{"carrier": "Maersk", "shipper": "TEMIRA INDUSTRIES NIGERIA LTD", "consignee": "WITATRADE GMBH"}', '2025-12-01 09:30:00'),
    ('60000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000001', 'COMMERCIAL_INVOICE',
     'Commercial Invoice 1416', 'commercial_invoice_1416.pdf', '96544', 'COMPLIANCE_OK', 'true', '1',
     '1416', '2025-12-10', NULL, 'TEMIRA INDUSTRIES NIGERIA LTD', NULL,
     'supplier@temira.ng', '2025-12-10 15:02:00', '2025-12-11 08:45:00', 'compliance@vibotaj.com',
     '{"currency": "EUR", "total_amount": 11250.00, "incoterms": "FOB"}', '2025-12-01 09:30:00'),
    ('60000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000001', 'PACKING_LIST',
     'Packing List VIBO-2026-001', 'packing_list_vibo_2026_001.pdf', '61208', 'VALIDATED', 'true', '1',
     'PL-1416', '2025-12-10', NULL, 'TEMIRA INDUSTRIES NIGERIA LTD', NULL,
     'supplier@temira.ng', '2025-12-10 15:05:00', '2025-12-11 08:50:00', 'compliance@vibotaj.com',
     '{"packages": 25, "net_weight_kg": 25000, "gross_weight_kg": 25200}', '2025-12-01 09:30:00'),
    ('60000000-0000-4000-8000-000000000004', '30000000-0000-4000-8000-000000000001', 'CERTIFICATE_OF_ORIGIN',
     'Certificate of Origin (NACCIMA)', 'certificate_of_origin_naccima_0087215.pdf', '133870', 'COMPLIANCE_OK', 'true', '1',
     'NACCIMA/CO/2025/0087215', '2025-12-09', NULL, 'Nigerian Association of Chambers of Commerce, Industry, Mines and Agriculture (NACCIMA)', NULL,
     'supplier@temira.ng', '2025-12-09 13:40:00', '2025-12-11 09:05:00', 'compliance@vibotaj.com',
     '{"country_of_origin": "Nigeria"}', '2025-12-01 09:30:00'),
    ('60000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000001', 'VETERINARY_HEALTH_CERTIFICATE',
     'Veterinary Health Certificate', 'veterinary_health_certificate_nvri_25_1187.pdf', '187402', 'VALIDATED', 'true', '2',
     'NVRI/VHC/25/1187', '2025-12-08', '2026-03-08', 'Federal Department of Veterinary and Pest Control Services, Nigeria', NULL,
     'supplier@temira.ng', '2025-12-08 16:10:00', '2025-12-11 09:12:00', 'compliance@vibotaj.com',
     '{}', '2025-12-01 09:30:00'),
    ('60000000-0000-4000-8000-000000000006', '30000000-0000-4000-8000-000000000001', 'EU_TRACES_CERTIFICATE',
     'EU TRACES Certificate RC1479592', 'eu_traces_rc1479592.pdf', '154993', 'COMPLIANCE_OK', 'true', '3',
     'RC1479592', '2025-12-12', NULL, 'European Commission TRACES NT', NULL,
     'logistic@vibotaj.com', '2025-12-12 11:25:00', '2025-12-12 14:00:00', 'compliance@vibotaj.com',
     '{}', '2025-12-01 09:30:00'),
    ('60000000-0000-4000-8000-000000000007', '30000000-0000-4000-8000-000000000001', 'EXPORT_DECLARATION',
     'NXP Export Declaration', 'nxp_export_declaration_2025_0041877.pdf', '72116', 'VALIDATED', 'true', '1',
     'NXP-2025-0041877', '2025-12-05', NULL, 'Central Bank of Nigeria / Nigeria Customs Service', NULL,
     'logistic@vibotaj.com', '2025-12-05 12:00:00', '2025-12-06 10:30:00', 'compliance@vibotaj.com',
     '{}', '2025-12-01 09:30:00'),
    ('60000000-0000-4000-8000-000000000008', '30000000-0000-4000-8000-000000000001', 'PHYTOSANITARY_CERTIFICATE',
     'Phytosanitary Certificate (NAQS)', 'phytosanitary_naqs_25_30412.pdf', '118730', 'UPLOADED', 'true', '1',
     'NAQS/PC/25/30412', '2025-12-11', '2026-02-09', 'Nigeria Agricultural Quarantine Service', NULL,
     'supplier@temira.ng', '2026-01-06 11:47:00', NULL, NULL,
     '{}', '2025-12-01 09:30:00'),
    ('60000000-0000-4000-8000-000000000009', '30000000-0000-4000-8000-000000000001', 'FUMIGATION_CERTIFICATE',
     'Fumigation Certificate', 'fumigation_certificate_fc_8831.pdf', '80417', 'COMPLIANCE_FAILED', 'false', '1',
     'FC-2025-8831', '2025-11-20', '2025-12-20', 'Pest Control Nigeria Ltd',
     'Treatment date precedes stuffing by more than 21 days, certificate expired before arrival. Please provide a new fumigation certificate.',
     'supplier@temira.ng', '2025-12-09 13:45:00', '2025-12-11 09:20:00', 'compliance@vibotaj.com',
     '{"treatment": "Methyl bromide", "dosage_g_m3": 48}', '2025-12-01 09:30:00'),
    -- VIBO-2026-002
    ('60000000-0000-4000-8000-000000000011', '30000000-0000-4000-8000-000000000002', 'BILL_OF_LADING',
     'Draft Bill of Lading 262495039', 'draft_bill_of_lading_262495039.pdf', '231009', 'UPLOADED', 'true', '2',
     '262495039', '2026-01-08', NULL, 'Maersk A/S', NULL,
     'logistic@vibotaj.com', '2026-01-08 17:31:00', NULL, NULL,
     '{"carrier": "Maersk", "draft": true}', '2026-01-06 09:45:00'),
    ('60000000-0000-4000-8000-000000000012', '30000000-0000-4000-8000-000000000002', 'COMMERCIAL_INVOICE',
     'Commercial Invoice 1417', 'commercial_invoice_1417.pdf', '97310', 'VALIDATED', 'true', '1',
     '1417', '2026-01-07', NULL, 'TEMIRA INDUSTRIES NIGERIA LTD', NULL,
     'supplier@temira.ng', '2026-01-07 10:04:00', '2026-01-07 15:30:00', 'compliance@vibotaj.com',
     '{"currency": "EUR", "total_amount": 9900.00, "incoterms": "FOB"}', '2026-01-06 09:45:00'),
    ('60000000-0000-4000-8000-000000000013', '30000000-0000-4000-8000-000000000002', 'PACKING_LIST',
     'Packing List VIBO-2026-002', 'packing_list_vibo_2026_002.pdf', '58822', 'UPLOADED', 'true', '1',
     'PL-1417', '2026-01-07', NULL, 'TEMIRA INDUSTRIES NIGERIA LTD', NULL,
     'supplier@temira.ng', '2026-01-07 10:06:00', NULL, NULL,
     '{}', '2026-01-06 09:45:00'),
    ('60000000-0000-4000-8000-000000000014', '30000000-0000-4000-8000-000000000002', 'CERTIFICATE_OF_ORIGIN',
     'Certificate of Origin', NULL, NULL, 'DRAFT', 'true', NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     '{}', '2026-01-06 09:45:00'),
    ('60000000-0000-4000-8000-000000000015', '30000000-0000-4000-8000-000000000002', 'VETERINARY_HEALTH_CERTIFICATE',
     'Veterinary Health Certificate', NULL, NULL, 'DRAFT', 'true', NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     '{}', '2026-01-06 09:45:00'),
    ('60000000-0000-4000-8000-000000000016', '30000000-0000-4000-8000-000000000002', 'EU_TRACES_CERTIFICATE',
     'EU TRACES Certificate', NULL, NULL, 'DRAFT', 'true', NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     '{}', '2026-01-06 09:45:00'),
    ('60000000-0000-4000-8000-000000000017', '30000000-0000-4000-8000-000000000002', 'EXPORT_DECLARATION',
     'NXP Export Declaration', NULL, NULL, 'DRAFT', 'true', NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     '{}', '2026-01-06 09:45:00'),
    ('60000000-0000-4000-8000-000000000018', '30000000-0000-4000-8000-000000000002', 'PHYTOSANITARY_CERTIFICATE',
     'Phytosanitary Certificate (NAQS)', 'phytosanitary_naqs_25_29987.pdf', '121554', 'COMPLIANCE_FAILED', 'true', '1',
     'NAQS/PC/25/29987', '2025-11-02', '2026-01-01', 'Nigeria Agricultural Quarantine Service',
     'Certificate expired on 2026-01-01 and names the wrong consignee. Re-issue for HAGES GMBH required.',
     'supplier@temira.ng', '2026-01-07 10:10:00', '2026-01-08 09:00:00', 'compliance@vibotaj.com',
     '{}', '2026-01-06 09:45:00')
) AS v(id, shipment_id, doc_type, name, file_name, file_size, status, required, pages, ref, issue_date, expiry_date,
       authority, notes, uploaded_by, uploaded_at, validated_at, validated_by, extra, created_at)
WHERE EXISTS (SELECT 1 FROM shipments s WHERE s.id = v.shipment_id::uuid)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Document contents (sections detected in uploaded PDFs)
-- ---------------------------------------------------------------------------
INSERT INTO document_contents (id, document_id, document_type, status, page_start, page_end, reference_number,
                               detected_fields, confidence_score, detection_method, validation_notes,
                               validated_at, validated_by, created_at, updated_at)
SELECT v.id::uuid, v.document_id::uuid, v.doc_type::documenttype, v.status::documentstatus,
       v.page_start::int, v.page_end::int, v.ref, v.fields::jsonb, v.confidence::float8, v.method, NULL,
       v.validated_at::timestamp, v.validated_by, v.created_at::timestamp,
       coalesce(v.validated_at, v.created_at)::timestamp
FROM (VALUES
    ('70000000-0000-4000-8000-000000000001', '60000000-0000-4000-8000-000000000001', 'BILL_OF_LADING', 'VALIDATED',
     '1', '2', '262495038',
     '{"page_count": 2, "char_count": 5874, "detection_method": "keyword", "alternative_types": [{"type": "packing_list", "confidence": 0.22}]}',
     '0.86', 'keyword', '2025-12-15 09:30:00', 'compliance@vibotaj.com', '2025-12-14 10:12:00'),
    ('70000000-0000-4000-8000-000000000002', '60000000-0000-4000-8000-000000000002', 'COMMERCIAL_INVOICE', 'VALIDATED',
     '1', '1', '1416',
     '{"page_count": 1, "char_count": 2311, "detection_method": "ai", "key_fields": {"issuer": "TEMIRA INDUSTRIES NIGERIA LTD", "date": "2025-12-10"}}',
     '0.93', 'ai', '2025-12-11 08:45:00', 'compliance@vibotaj.com', '2025-12-10 15:02:00'),
    ('70000000-0000-4000-8000-000000000003', '60000000-0000-4000-8000-000000000006', 'EU_TRACES_CERTIFICATE', 'VALIDATED',
     '1', '3', 'RC1479592',
     '{"page_count": 3, "char_count": 9120, "detection_method": "keyword"}',
     '0.95', 'keyword', '2025-12-12 14:00:00', 'compliance@vibotaj.com', '2025-12-12 11:25:00'),
    ('70000000-0000-4000-8000-000000000004', '60000000-0000-4000-8000-000000000012', 'COMMERCIAL_INVOICE', 'UPLOADED',
     '1', '1', '1417',
     '{"page_count": 1, "char_count": 2290, "detection_method": "keyword"}',
     '0.81', 'keyword', NULL, NULL, '2026-01-07 10:04:00')
) AS v(id, document_id, doc_type, status, page_start, page_end, ref, fields, confidence, method,
       validated_at, validated_by, created_at)
WHERE EXISTS (SELECT 1 FROM documents d WHERE d.id = v.document_id::uuid)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Reference registry (duplicate detection per shipment, reference and type)
-- ---------------------------------------------------------------------------
INSERT INTO reference_registry (id, shipment_id, reference_number, document_type, document_content_id,
                                document_id, first_seen_at)
SELECT v.id::uuid, v.shipment_id::uuid, v.ref, v.doc_type::documenttype, v.content_id::uuid,
       v.document_id::uuid, v.first_seen::timestamp
FROM (VALUES
    ('80000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', '262495038', 'BILL_OF_LADING',
     '70000000-0000-4000-8000-000000000001', '60000000-0000-4000-8000-000000000001', '2025-12-14 10:12:00'),
    ('80000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000001', '1416', 'COMMERCIAL_INVOICE',
     '70000000-0000-4000-8000-000000000002', '60000000-0000-4000-8000-000000000002', '2025-12-10 15:02:00'),
    ('80000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000001', 'RC1479592', 'EU_TRACES_CERTIFICATE',
     '70000000-0000-4000-8000-000000000003', '60000000-0000-4000-8000-000000000006', '2025-12-12 11:25:00'),
    ('80000000-0000-4000-8000-000000000004', '30000000-0000-4000-8000-000000000002', '1417', 'COMMERCIAL_INVOICE',
     '70000000-0000-4000-8000-000000000004', '60000000-0000-4000-8000-000000000012', '2026-01-07 10:04:00'),
    ('80000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000002', '262495039', 'BILL_OF_LADING',
     NULL, '60000000-0000-4000-8000-000000000011', '2026-01-08 17:31:00')
) AS v(id, shipment_id, ref, doc_type, content_id, document_id, first_seen)
WHERE EXISTS (SELECT 1 FROM shipments s WHERE s.id = v.shipment_id::uuid)
  AND (v.content_id IS NULL OR EXISTS (SELECT 1 FROM document_contents c WHERE c.id = v.content_id::uuid))
  AND EXISTS (SELECT 1 FROM documents d WHERE d.id = v.document_id::uuid)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Container events (JSONCargo tracking)
-- ---------------------------------------------------------------------------
INSERT INTO container_events (id, shipment_id, event_type, event_timestamp, location_name, location_code,
                              location_lat, location_lng, vessel_name, voyage_number, delay_hours, source,
                              external_id, raw_payload, created_at)
SELECT v.id::uuid, v.shipment_id::uuid, v.event_type::eventtype, v.ts::timestamp, v.loc_name, v.loc_code,
       v.lat::numeric, v.lng::numeric, v.vessel, v.voyage, v.delay::int, 'jsoncargo',
       v.container || '-' || v.event_type || '-' || to_char(v.ts::timestamp, 'YYYYMMDD"T"HH24MI'),
       jsonb_build_object('container_number', v.container, 'event_type', lower(v.event_type),
                          'timestamp', to_char(v.ts::timestamp, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                          'location', jsonb_build_object('name', v.loc_name, 'code', v.loc_code),
                          'vessel', v.vessel, 'voyage', v.voyage),
       v.received::timestamp
FROM (VALUES
    -- VIBO-2026-001, MRSU3452572
    ('90000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', 'MRSU3452572', 'BOOKING_CONFIRMED',
     '2025-12-02 10:00:00', 'Apapa, Lagos', 'NGAPP', '6.4474000', '3.3644000', NULL, NULL, NULL, '2025-12-02 10:05:00'),
    ('90000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000001', 'MRSU3452572', 'GATE_IN',
     '2025-12-11 14:25:00', 'APM Terminals Apapa', 'NGAPP', '6.4474000', '3.3644000', NULL, NULL, NULL, '2025-12-11 14:40:00'),
    ('90000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000001', 'MRSU3452572', 'LOADED',
     '2025-12-12 22:10:00', 'APM Terminals Apapa', 'NGAPP', '6.4474000', '3.3644000', 'RHINE MAERSK', '550N', NULL, '2025-12-12 22:30:00'),
    ('90000000-0000-4000-8000-000000000004', '30000000-0000-4000-8000-000000000001', 'MRSU3452572', 'DEPARTED',
     '2025-12-13 21:40:00', 'Apapa, Lagos', 'NGAPP', '6.4474000', '3.3644000', 'RHINE MAERSK', '550N', '4', '2025-12-13 22:00:00'),
    ('90000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000001', 'MRSU3452572', 'ARRIVED',
     '2025-12-21 16:30:00', 'Tanger Med', 'MAPTM', '35.8847000', '-5.5000000', 'RHINE MAERSK', '550N', NULL, '2025-12-21 16:45:00'),
    ('90000000-0000-4000-8000-000000000006', '30000000-0000-4000-8000-000000000001', 'MRSU3452572', 'TRANSSHIPMENT',
     '2025-12-22 08:15:00', 'Tanger Med', 'MAPTM', '35.8847000', '-5.5000000', 'RHINE MAERSK', '550N', NULL, '2025-12-22 08:30:00'),
    ('90000000-0000-4000-8000-000000000007', '30000000-0000-4000-8000-000000000001', 'MRSU3452572', 'LOADED',
     '2025-12-23 05:50:00', 'Tanger Med', 'MAPTM', '35.8847000', '-5.5000000', 'MAERSK KOLKATA', '551N', NULL, '2025-12-23 06:05:00'),
    ('90000000-0000-4000-8000-000000000008', '30000000-0000-4000-8000-000000000001', 'MRSU3452572', 'DEPARTED',
     '2025-12-23 19:20:00', 'Tanger Med', 'MAPTM', '35.8847000', '-5.5000000', 'MAERSK KOLKATA', '551N', '12', '2025-12-24 03:10:00'),
    -- VIBO-2026-002, TCNU7654328
    ('90000000-0000-4000-8000-000000000011', '30000000-0000-4000-8000-000000000002', 'TCNU7654328', 'BOOKING_CONFIRMED',
     '2026-01-06 12:00:00', 'Apapa, Lagos', 'NGAPP', '6.4474000', '3.3644000', NULL, NULL, NULL, '2026-01-06 12:10:00'),
    ('90000000-0000-4000-8000-000000000012', '30000000-0000-4000-8000-000000000002', 'TCNU7654328', 'GATE_IN',
     '2026-01-09 13:45:00', 'APM Terminals Apapa', 'NGAPP', '6.4474000', '3.3644000', NULL, NULL, NULL, '2026-01-09 14:05:00')
) AS v(id, shipment_id, container, event_type, ts, loc_name, loc_code, lat, lng, vessel, voyage, delay, received)
WHERE EXISTS (SELECT 1 FROM shipments s WHERE s.id = v.shipment_id::uuid)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Notifications (user_id is the recipient's e-mail, no FK)
-- ---------------------------------------------------------------------------
INSERT INTO notifications (id, user_id, type, title, message, data, read, read_at, created_at)
VALUES
    ('a0000000-0000-4000-8000-000000000001', 'buyer@witatrade.de', 'shipment_departed',
     'Shipment Departed', 'VIBO-2026-001 (MRSU3452572) departed Apapa on RHINE MAERSK 550N.',
     '{"shipment_id": "30000000-0000-4000-8000-000000000001", "shipment_reference": "VIBO-2026-001", "new_status": "in_transit"}',
     true, '2025-12-14 08:02:00', '2025-12-13 22:00:00'),
    ('a0000000-0000-4000-8000-000000000002', 'buyer@witatrade.de', 'eta_changed',
     'ETA Delayed', 'The ETA of VIBO-2026-001 moved from 2026-01-02 to 2026-01-03 after transshipment at Tanger Med.',
     '{"shipment_id": "30000000-0000-4000-8000-000000000001", "shipment_reference": "VIBO-2026-001", "old_eta": "2026-01-02T06:00:00", "new_eta": "2026-01-03T06:00:00"}',
     false, NULL, '2025-12-24 03:10:00'),
    ('a0000000-0000-4000-8000-000000000003', 'compliance@vibotaj.com', 'document_uploaded',
     'New Document Uploaded', 'supplier@temira.ng uploaded Phytosanitary Certificate (NAQS) for VIBO-2026-001.',
     '{"document_id": "60000000-0000-4000-8000-000000000008", "shipment_id": "30000000-0000-4000-8000-000000000001", "document_type": "phytosanitary_certificate"}',
     false, NULL, '2026-01-06 11:47:00'),
    ('a0000000-0000-4000-8000-000000000004', 'supplier@temira.ng', 'document_validated',
     'Document Validated', 'Commercial Invoice 1417 for VIBO-2026-002 has been validated.',
     '{"document_id": "60000000-0000-4000-8000-000000000012", "shipment_id": "30000000-0000-4000-8000-000000000002", "document_type": "commercial_invoice"}',
     true, '2026-01-07 16:02:00', '2026-01-07 15:30:00'),
    ('a0000000-0000-4000-8000-000000000005', 'supplier@temira.ng', 'document_rejected',
     'Document Rejected', 'Phytosanitary Certificate (NAQS) for VIBO-2026-002 was rejected: certificate expired and wrong consignee.',
     '{"document_id": "60000000-0000-4000-8000-000000000018", "shipment_id": "30000000-0000-4000-8000-000000000002", "document_type": "phytosanitary_certificate"}',
     false, NULL, '2026-01-08 09:00:00'),
    ('a0000000-0000-4000-8000-000000000006', 'logistic@vibotaj.com', 'expiry_warning',
     'Document Expiring', 'Veterinary Health Certificate NVRI/VHC/25/1187 (VIBO-2026-001) expires on 2026-03-08.',
     '{"document_id": "60000000-0000-4000-8000-000000000005", "shipment_id": "30000000-0000-4000-8000-000000000001", "days_until_expiry": 60}',
     false, NULL, '2026-01-07 06:00:00'),
    ('a0000000-0000-4000-8000-000000000007', 'buyer@hages.de', 'system_alert',
     'Welcome to TraceHub', 'Your account is ready. Shipment VIBO-2026-002 has been shared with HAGES GMBH.',
     '{"shipment_reference": "VIBO-2026-002"}',
     true, '2026-01-06 14:12:00', '2026-01-06 09:31:00')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Audit log (user_id = the user's id as text, username = e-mail)
-- ---------------------------------------------------------------------------
INSERT INTO audit_logs (id, user_id, username, ip_address, user_agent, action, resource_type, resource_id,
                        request_id, method, path, status_code, success, details, error_message, duration_ms,
                        "timestamp")
VALUES
    ('b0000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', 'admin@vibotaj.com',
     '102.89.34.17', 'Mozilla/5.0 (Windows NT 10.0, Win64, x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
     'shipment.create', 'shipment', '30000000-0000-4000-8000-000000000001', 'c1f0a2d4-5b6e-4f70-8a91-0b2c3d4e5f60',
     'POST', '/api/shipments', '201', 'true', '{"reference": "VIBO-2026-001", "container_number": "MRSU3452572"}',
     NULL, '58', '2025-12-01 09:15:00'),
    ('b0000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000003', 'logistic@vibotaj.com',
     '102.89.34.21', 'Mozilla/5.0 (Macintosh, Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15',
     'shipment.create', 'shipment', '30000000-0000-4000-8000-000000000002', 'c1f0a2d4-5b6e-4f70-8a91-0b2c3d4e5f61',
     'POST', '/api/shipments', '201', 'true', '{"reference": "VIBO-2026-002", "container_number": "TCNU7654328"}',
     NULL, '61', '2026-01-06 09:30:00'),
    ('b0000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000007', 'supplier@temira.ng',
     '197.210.55.102', 'Mozilla/5.0 (Linux, Android 14, SM-A546E) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36',
     'document.upload', 'document', '60000000-0000-4000-8000-000000000008', 'c1f0a2d4-5b6e-4f70-8a91-0b2c3d4e5f62',
     'POST', '/api/documents/upload', '200', 'true', '{"shipment_reference": "VIBO-2026-001", "document_type": "phytosanitary_certificate", "file_name": "phytosanitary_naqs_25_30412.pdf"}',
     NULL, '1843', '2026-01-06 11:47:00'),
    ('b0000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000002', 'compliance@vibotaj.com',
     '102.89.34.19', 'Mozilla/5.0 (Windows NT 10.0, Win64, x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
     'document.validate', 'document', '60000000-0000-4000-8000-000000000012', 'c1f0a2d4-5b6e-4f70-8a91-0b2c3d4e5f63',
     'POST', '/api/documents/60000000-0000-4000-8000-000000000012/transition', '200', 'true', '{"from": "uploaded", "to": "validated"}',
     NULL, '97', '2026-01-07 15:30:00'),
    ('b0000000-0000-4000-8000-000000000005', NULL, 'buyer@witatrade.de',
     '93.184.216.34', 'Mozilla/5.0 (X11, Linux x86_64, rv:133.0) Gecko/20100101 Firefox/133.0',
     'auth.login', 'auth', NULL, 'c1f0a2d4-5b6e-4f70-8a91-0b2c3d4e5f64',
     'POST', '/api/auth/login', '401', 'false', '{}',
     'Incorrect email or password', '312', '2026-01-05 08:59:41'),
    ('b0000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000005', 'buyer@witatrade.de',
     '93.184.216.34', 'Mozilla/5.0 (X11, Linux x86_64, rv:133.0) Gecko/20100101 Firefox/133.0',
     'shipment.view', 'shipment', '30000000-0000-4000-8000-000000000001', 'c1f0a2d4-5b6e-4f70-8a91-0b2c3d4e5f65',
     'GET', '/api/shipments/30000000-0000-4000-8000-000000000001', '200', 'true', '{"reference": "VIBO-2026-001"}',
     NULL, '44', '2026-01-05 09:03:12'),
    ('b0000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000001', 'admin@vibotaj.com',
     '102.89.34.17', 'Mozilla/5.0 (Windows NT 10.0, Win64, x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
     'analytics.view', 'analytics', NULL, 'c1f0a2d4-5b6e-4f70-8a91-0b2c3d4e5f66',
     'GET', '/api/analytics/dashboard', '200', 'true', '{}',
     NULL, '133', '2026-01-07 07:43:02')
ON CONFLICT DO NOTHING;
