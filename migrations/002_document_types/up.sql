-- Revision 002 (document types): make sure the documenttype enum carries the six
-- labels that the predecessor added in its revision 002.
--
-- Why: databases created before these labels existed must end up with the same
-- label set as fresh ones. Each label is appended only if missing (IF NOT EXISTS),
-- so on a schema built by our 001 -- which already has all 16 labels -- this
-- revision changes nothing. On older databases the appended labels sort after
-- 'OTHER'; adoption checks compare label sets, not positions.
-- Requires PostgreSQL >= 12 (ADD VALUE inside a transaction); the new labels are
-- not used within this revision.

ALTER TYPE documenttype ADD VALUE IF NOT EXISTS 'SANITARY_CERTIFICATE';
ALTER TYPE documenttype ADD VALUE IF NOT EXISTS 'EUDR_DUE_DILIGENCE';
ALTER TYPE documenttype ADD VALUE IF NOT EXISTS 'QUALITY_CERTIFICATE';
ALTER TYPE documenttype ADD VALUE IF NOT EXISTS 'EU_TRACES_CERTIFICATE';
ALTER TYPE documenttype ADD VALUE IF NOT EXISTS 'VETERINARY_HEALTH_CERTIFICATE';
ALTER TYPE documenttype ADD VALUE IF NOT EXISTS 'EXPORT_DECLARATION';
