-- Revision 001 (baseline): create the complete TraceHub schema as it stood before
-- multi-tenancy -- 8 enum types and 11 application tables.
--
-- Why: a database built by 001 + 002 must be identical to one produced by the
-- predecessor system at its revision 002, so that existing databases can be adopted
-- in place. Every name, column position, type, nullability, constraint/index name
-- and ON DELETE action therefore follows the schema-002 specification exactly.
-- Deliberately absent: server defaults, sequences, CHECKs, triggers, comments,
-- extensions (the application supplies ids, timestamps and defaults itself).
-- PK / FK / UNIQUE constraints are left unnamed where PostgreSQL's default names
-- (<table>_pkey, <table>_<column>_fkey, <table>_<column>_key) are the required ones.
-- The alembic_version table is created by the revision engine, not here.

-- ---------------------------------------------------------------------------
-- Enum types (labels are the UPPER-CASE value names, in spec order)
-- ---------------------------------------------------------------------------

CREATE TYPE userrole AS ENUM (
    'ADMIN', 'COMPLIANCE', 'LOGISTICS_AGENT', 'BUYER', 'SUPPLIER', 'VIEWER'
);

CREATE TYPE partytype AS ENUM (
    'SUPPLIER', 'BUYER', 'SHIPPER', 'CONSIGNEE', 'NOTIFY_PARTY'
);

CREATE TYPE shipmentstatus AS ENUM (
    'CREATED', 'DOCS_PENDING', 'DOCS_COMPLETE', 'IN_TRANSIT', 'ARRIVED',
    'DELIVERED', 'CLOSED'
);

CREATE TYPE documenttype AS ENUM (
    'BILL_OF_LADING',
    'COMMERCIAL_INVOICE',
    'PACKING_LIST',
    'CERTIFICATE_OF_ORIGIN',
    'PHYTOSANITARY_CERTIFICATE',
    'FUMIGATION_CERTIFICATE',
    'SANITARY_CERTIFICATE',
    'INSURANCE_CERTIFICATE',
    'CUSTOMS_DECLARATION',
    'CONTRACT',
    'EUDR_DUE_DILIGENCE',
    'QUALITY_CERTIFICATE',
    'EU_TRACES_CERTIFICATE',
    'VETERINARY_HEALTH_CERTIFICATE',
    'EXPORT_DECLARATION',
    'OTHER'
);

CREATE TYPE documentstatus AS ENUM (
    'DRAFT', 'UPLOADED', 'VALIDATED', 'COMPLIANCE_OK', 'COMPLIANCE_FAILED',
    'LINKED', 'ARCHIVED'
);

CREATE TYPE eventtype AS ENUM (
    'BOOKING_CONFIRMED', 'GATE_IN', 'LOADED', 'DEPARTED', 'TRANSSHIPMENT',
    'ARRIVED', 'DISCHARGED', 'GATE_OUT', 'DELIVERED', 'CUSTOMS_HOLD',
    'CUSTOMS_RELEASED', 'EMPTY_RETURN', 'UNKNOWN'
);

CREATE TYPE risklevel AS ENUM (
    'LOW', 'MEDIUM', 'HIGH', 'UNKNOWN'
);

CREATE TYPE verificationmethod AS ENUM (
    'DOCUMENT_REVIEW', 'SUPPLIER_ATTESTATION', 'ON_SITE_INSPECTION',
    'SATELLITE_VERIFICATION', 'THIRD_PARTY_AUDIT', 'SELF_DECLARATION'
);

-- ---------------------------------------------------------------------------
-- Level 1: tables without foreign keys
-- ---------------------------------------------------------------------------

CREATE TABLE users (
    id              uuid                        NOT NULL,
    email           varchar(255)                NOT NULL,
    hashed_password varchar(255)                NOT NULL,
    full_name       varchar(100)                NOT NULL,
    role            userrole                    NOT NULL,
    is_active       boolean                     NOT NULL,
    created_at      timestamp without time zone NOT NULL,
    updated_at      timestamp without time zone,
    last_login      timestamp without time zone,
    PRIMARY KEY (id)
);

-- email uniqueness is a unique INDEX, not a UNIQUE constraint.
CREATE UNIQUE INDEX ix_users_email ON users (email);

CREATE TABLE parties (
    id                  uuid                        NOT NULL,
    type                partytype                   NOT NULL,
    company_name        varchar(255)                NOT NULL,
    contact_name        varchar(255),
    email               varchar(255),
    phone               varchar(50),
    address             varchar(500),
    city                varchar(100),
    country             varchar(2),
    registration_number varchar(100),
    tax_id              varchar(100),
    created_at          timestamp without time zone,
    updated_at          timestamp without time zone,
    PRIMARY KEY (id)
);

CREATE TABLE notifications (
    id         uuid                        NOT NULL,
    user_id    varchar(100)                NOT NULL,
    type       varchar(50)                 NOT NULL,
    title      varchar(255)                NOT NULL,
    message    text                        NOT NULL,
    data       jsonb,
    read       boolean                     NOT NULL,
    read_at    timestamp without time zone,
    created_at timestamp without time zone NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX ix_notifications_user_id      ON notifications (user_id);
CREATE INDEX ix_notifications_user_read    ON notifications (user_id, read);
CREATE INDEX ix_notifications_user_created ON notifications (user_id, created_at);

CREATE TABLE audit_logs (
    id            uuid                        NOT NULL,
    user_id       varchar(100),
    username      varchar(100),
    ip_address    varchar(45),
    user_agent    varchar(500),
    action        varchar(100)                NOT NULL,
    resource_type varchar(50),
    resource_id   varchar(100),
    request_id    varchar(100),
    method        varchar(10),
    path          varchar(500),
    status_code   varchar(10),
    success       varchar(10),
    details       jsonb,
    error_message text,
    duration_ms   varchar(20),
    "timestamp"   timestamp without time zone NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX ix_audit_logs_request_id       ON audit_logs (request_id);
CREATE INDEX ix_audit_logs_timestamp        ON audit_logs ("timestamp");
CREATE INDEX ix_audit_logs_user_timestamp   ON audit_logs (username, "timestamp");
CREATE INDEX ix_audit_logs_action_timestamp ON audit_logs (action, "timestamp");
CREATE INDEX ix_audit_logs_resource         ON audit_logs (resource_type, resource_id);

-- ---------------------------------------------------------------------------
-- Level 2
-- ---------------------------------------------------------------------------

CREATE TABLE shipments (
    id                uuid                        NOT NULL,
    reference         varchar(50)                 NOT NULL,
    container_number  varchar(20)                 NOT NULL,
    bl_number         varchar(50),
    booking_reference varchar(50),
    vessel_name       varchar(100),
    voyage_number     varchar(50),
    etd               timestamp without time zone,
    eta               timestamp without time zone,
    atd               timestamp without time zone,
    ata               timestamp without time zone,
    pol_code          varchar(5),
    pol_name          varchar(100),
    pod_code          varchar(5),
    pod_name          varchar(100),
    final_destination varchar(100),
    incoterms         varchar(10),
    status            shipmentstatus              NOT NULL,
    buyer_id          uuid,
    supplier_id       uuid,
    created_at        timestamp without time zone,
    updated_at        timestamp without time zone,
    PRIMARY KEY (id),
    -- reference uniqueness is a UNIQUE constraint (shipments_reference_key).
    UNIQUE (reference),
    FOREIGN KEY (buyer_id) REFERENCES parties (id),
    FOREIGN KEY (supplier_id) REFERENCES parties (id)
);

-- ---------------------------------------------------------------------------
-- Level 3
-- ---------------------------------------------------------------------------

CREATE TABLE products (
    id                  uuid                        NOT NULL,
    shipment_id         uuid                        NOT NULL,
    hs_code             varchar(12)                 NOT NULL,
    description         varchar(500)                NOT NULL,
    quantity_net_kg     numeric(12,3),
    quantity_gross_kg   numeric(12,3),
    unit_of_measure     varchar(10),
    packaging_type      varchar(100),
    packaging_count     integer,
    batch_lot_number    varchar(50),
    quality_grade       varchar(50),
    moisture_percentage numeric(5,2),
    production_date     date,
    created_at          timestamp without time zone,
    updated_at          timestamp without time zone,
    PRIMARY KEY (id),
    FOREIGN KEY (shipment_id) REFERENCES shipments (id)
);

CREATE TABLE documents (
    id                uuid                        NOT NULL,
    shipment_id       uuid                        NOT NULL,
    document_type     documenttype                NOT NULL,
    document_types    jsonb,
    name              varchar(255)                NOT NULL,
    file_path         varchar(500),
    file_name         varchar(255),
    file_size_bytes   integer,
    mime_type         varchar(100),
    status            documentstatus              NOT NULL,
    required          boolean,
    is_combined       boolean,
    content_count     integer,
    page_count        integer,
    reference_number  varchar(100),
    issue_date        date,
    expiry_date       date,
    issuing_authority varchar(255),
    validation_notes  text,
    uploaded_by       varchar(100),
    uploaded_at       timestamp without time zone,
    validated_at      timestamp without time zone,
    validated_by      varchar(100),
    extra_data        jsonb,
    created_at        timestamp without time zone,
    updated_at        timestamp without time zone,
    PRIMARY KEY (id),
    FOREIGN KEY (shipment_id) REFERENCES shipments (id)
);

CREATE TABLE container_events (
    id              uuid                        NOT NULL,
    shipment_id     uuid                        NOT NULL,
    event_type      eventtype                   NOT NULL,
    event_timestamp timestamp without time zone NOT NULL,
    location_name   varchar(255),
    location_code   varchar(10),
    location_lat    numeric(10,7),
    location_lng    numeric(10,7),
    vessel_name     varchar(100),
    voyage_number   varchar(50),
    delay_hours     integer,
    source          varchar(50),
    external_id     varchar(100),
    raw_payload     jsonb,
    created_at      timestamp without time zone,
    PRIMARY KEY (id),
    FOREIGN KEY (shipment_id) REFERENCES shipments (id)
);

-- ---------------------------------------------------------------------------
-- Level 4
-- ---------------------------------------------------------------------------

CREATE TABLE origins (
    id                               uuid                        NOT NULL,
    product_id                       uuid                        NOT NULL,
    farm_plot_identifier             varchar(100)                NOT NULL,
    geolocation_lat                  numeric(10,7),
    geolocation_lng                  numeric(10,7),
    geolocation_polygon              jsonb,
    country                          varchar(2)                  NOT NULL,
    region                           varchar(100),
    district                         varchar(100),
    production_start_date            date,
    production_end_date              date,
    supplier_id                      uuid,
    deforestation_cutoff_compliant   boolean,
    due_diligence_statement_ref      varchar(100),
    deforestation_free_statement     text,
    risk_level                       risklevel,
    risk_score                       numeric(5,2),
    risk_assessment_date             timestamp without time zone,
    risk_assessment_notes            text,
    supplier_attestation_date        date,
    supplier_attestation_reference   varchar(100),
    supplier_attestation_document_id uuid,
    verified_at                      timestamp without time zone,
    verified_by                      varchar(100),
    verification_method              verificationmethod,
    verification_notes               text,
    verification_document_ids        jsonb,
    eudr_reference_number            varchar(100),
    eudr_submission_date             timestamp without time zone,
    eudr_status                      varchar(50),
    created_at                       timestamp without time zone,
    updated_at                       timestamp without time zone,
    PRIMARY KEY (id),
    FOREIGN KEY (product_id) REFERENCES products (id),
    FOREIGN KEY (supplier_id) REFERENCES parties (id)
);

CREATE TABLE document_contents (
    id               uuid                        NOT NULL,
    document_id      uuid                        NOT NULL,
    document_type    documenttype                NOT NULL,
    status           documentstatus              NOT NULL,
    page_start       integer                     NOT NULL,
    page_end         integer                     NOT NULL,
    reference_number varchar(100),
    detected_fields  jsonb,
    confidence_score double precision,
    detection_method varchar(50),
    validation_notes varchar(1000),
    validated_at     timestamp without time zone,
    validated_by     varchar(100),
    created_at       timestamp without time zone,
    updated_at       timestamp without time zone,
    PRIMARY KEY (id),
    FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE
);

-- ---------------------------------------------------------------------------
-- Level 5
-- ---------------------------------------------------------------------------

CREATE TABLE reference_registry (
    id                  uuid                        NOT NULL,
    shipment_id         uuid                        NOT NULL,
    reference_number    varchar(100)                NOT NULL,
    document_type       documenttype                NOT NULL,
    document_content_id uuid,
    document_id         uuid,
    first_seen_at       timestamp without time zone,
    PRIMARY KEY (id),
    CONSTRAINT uq_reference_per_shipment_type
        UNIQUE (shipment_id, reference_number, document_type),
    FOREIGN KEY (shipment_id) REFERENCES shipments (id) ON DELETE CASCADE,
    FOREIGN KEY (document_content_id) REFERENCES document_contents (id) ON DELETE SET NULL,
    FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE SET NULL
);

CREATE INDEX ix_reference_registry_reference_number
    ON reference_registry (reference_number);
