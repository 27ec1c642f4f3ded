-- Revision 001 (baseline), downgrade: remove everything the baseline created --
-- the 11 application tables (children before parents) and then the 8 enum types.
-- IF EXISTS keeps it tolerant of a partially built schema. alembic_version is
-- owned by the revision engine and is not touched here.

DROP TABLE IF EXISTS reference_registry;
DROP TABLE IF EXISTS document_contents;
DROP TABLE IF EXISTS origins;
DROP TABLE IF EXISTS container_events;
DROP TABLE IF EXISTS documents;
DROP TABLE IF EXISTS products;
DROP TABLE IF EXISTS shipments;
DROP TABLE IF EXISTS audit_logs;
DROP TABLE IF EXISTS notifications;
DROP TABLE IF EXISTS parties;
DROP TABLE IF EXISTS users;

DROP TYPE IF EXISTS verificationmethod;
DROP TYPE IF EXISTS risklevel;
DROP TYPE IF EXISTS eventtype;
DROP TYPE IF EXISTS documentstatus;
DROP TYPE IF EXISTS documenttype;
DROP TYPE IF EXISTS shipmentstatus;
DROP TYPE IF EXISTS partytype;
DROP TYPE IF EXISTS userrole;
