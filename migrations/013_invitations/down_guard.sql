-- What dropping revision 013 would destroy: the messages and redirect addresses of
-- invitations. Valid at revision 013 only (the columns exist from it on).
SELECT 'invitations with a custom message or redirect URL' AS what, count(*) AS lost
  FROM invitations WHERE custom_message IS NOT NULL OR redirect_url IS NOT NULL
