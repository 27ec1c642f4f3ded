-- Revision 023 down: the server of revision 022 has no web UI. Open browser sessions end
-- (their holders sign in again after an upgrade); nothing else refers to the table.

-- tracehub:step transaction: drop the web sessions
DROP FUNCTION IF EXISTS app.web_session_end(bytea);
DROP FUNCTION IF EXISTS app.web_session_switch(bytea, uuid);
DROP FUNCTION IF EXISTS app.web_session(bytea);
DROP FUNCTION IF EXISTS app.web_session_open(uuid, bytea, uuid, uuid, interval);
DROP TABLE IF EXISTS app.web_sessions;
