-- Revision 017 down: the server of revision 016 does not call the function.

-- tracehub:step transaction: drop app.account_belongs_elsewhere
DROP FUNCTION IF EXISTS app.account_belongs_elsewhere(uuid);
