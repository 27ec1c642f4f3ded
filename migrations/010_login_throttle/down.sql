-- Revision 010 down: login throttling state is transient (minutes), nothing of value is lost.

-- tracehub:step transaction: drop throttle functions and table
DROP FUNCTION IF EXISTS app.login_throttle_release(text, text[]);
DROP FUNCTION IF EXISTS app.login_throttle_claim(text[], integer[], integer);
DROP TABLE IF EXISTS app.login_throttle;
