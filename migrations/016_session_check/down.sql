-- Revision 016 down: the server of revision 015 checks tokens with revision 008's functions,
-- which stay in place; nothing else depends on this one.

-- tracehub:step transaction: drop app.token_session
DROP FUNCTION IF EXISTS app.token_session(uuid, uuid, uuid);
