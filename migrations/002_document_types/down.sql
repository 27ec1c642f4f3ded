-- Revision 002 (document types), downgrade: intentionally a no-op.
--
-- PostgreSQL cannot drop a label from an enum type. Removing one would mean
-- rebuilding documenttype and rewriting every column that uses it, and rows may
-- already hold the labels, so the labels are left in place. The statement below
-- only keeps this file valid, non-empty SQL.

SELECT 1;
