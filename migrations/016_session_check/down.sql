-- Revision 016 down: the server of revision 015 checks tokens with revision 008's functions,
-- which stay in place. Sessions ended by a password change would be valid again until they
-- expire; the epochs themselves are dropped (nothing else refers to them).

-- tracehub:step transaction: drop the session functions and the epochs
DROP FUNCTION IF EXISTS app.token_session(uuid, uuid, uuid, timestamptz);
DROP FUNCTION IF EXISTS app.revoke_user_tokens(uuid);
DROP TABLE IF EXISTS app.user_token_epochs;
