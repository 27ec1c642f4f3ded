-- What dropping revision 022 would destroy: work not yet done, and the record of calls
-- to the tracking provider.
SELECT 'jobs not yet done' AS what, count(*) AS lost FROM jobs WHERE state IN ('pending', 'running')
UNION ALL
SELECT 'tracking provider calls (record)', count(*) FROM tracking_provider_calls
