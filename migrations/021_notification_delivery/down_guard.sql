-- What dropping revision 021 would destroy: users' e-mail opt-outs.
SELECT 'e-mail preferences of users' AS what, count(*) AS lost FROM notification_preferences
