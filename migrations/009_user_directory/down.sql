-- Undo revision 009: the e-mail availability function and the two users policies.
-- No data changes.

-- tracehub:step transaction: e-mail availability across organizations
DROP FUNCTION IF EXISTS app.email_in_use(text, uuid);

-- tracehub:step transaction: users: members' rows and the own row
DROP POLICY IF EXISTS member_read ON users;
DROP POLICY IF EXISTS own_update ON users;
