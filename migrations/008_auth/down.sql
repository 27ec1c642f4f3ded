-- Undo revision 008: the authentication functions, the own-row policy on users and the
-- revoked-token list. Revocations are lost, which only matters for tokens still unexpired;
-- the application that reads them is gone after a downgrade anyway. No tenant data changes.

-- tracehub:step transaction: authentication functions
DROP FUNCTION IF EXISTS app.login_lookup(text);
DROP FUNCTION IF EXISTS app.set_password_hash(uuid, text, text);
DROP FUNCTION IF EXISTS app.record_login(uuid);
DROP FUNCTION IF EXISTS app.user_membership(uuid, uuid);
DROP FUNCTION IF EXISTS app.revoke_token(uuid, timestamptz);
DROP FUNCTION IF EXISTS app.is_token_revoked(uuid);

-- tracehub:step transaction: own user row
DROP POLICY IF EXISTS own_read ON users;

-- tracehub:step transaction: revoked tokens
DROP TABLE IF EXISTS app.revoked_tokens;
