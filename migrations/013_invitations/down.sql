-- Undo revision 013: the invitation functions, the one-open-invitation index and the
-- message columns (down_guard.sql counts the messages this loses).

-- tracehub:step transaction: invitation functions
DROP FUNCTION IF EXISTS app.invitation_by_token(text);
DROP FUNCTION IF EXISTS app.invitation_for_invitee(uuid, uuid);
DROP FUNCTION IF EXISTS app.current_org_has_member(text);
DROP FUNCTION IF EXISTS app.claim_invitation(text, uuid);
DROP FUNCTION IF EXISTS app.register_invited_user(text, text, text, text, text);

-- tracehub:step transaction: invitation message and one open invitation per address
DROP INDEX IF EXISTS uq_invitations_pending_email;
ALTER TABLE invitations DROP COLUMN IF EXISTS redirect_url;
ALTER TABLE invitations DROP COLUMN IF EXISTS custom_message;
