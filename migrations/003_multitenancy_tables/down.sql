-- Undo revision 003: drop the multi-tenancy tables and their types.
-- down_guard.sql refuses this while they hold anything revision 005 cannot derive again.
DROP TABLE IF EXISTS invitations;
DROP TABLE IF EXISTS org_memberships;
DROP TABLE IF EXISTS organizations;
DROP TYPE IF EXISTS invitation_status;
DROP TYPE IF EXISTS membership_status;
DROP TYPE IF EXISTS org_role;
DROP TYPE IF EXISTS organization_type;
