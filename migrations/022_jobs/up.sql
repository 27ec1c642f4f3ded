-- Revision 022: the job queue, and the tracking provider's calls.
--
-- * `jobs`: work the server instances share (tracking refresh, expiry warnings, e-mail).
--   A worker claims due jobs with `FOR UPDATE SKIP LOCKED`, so two instances never claim
--   the same one, and holds a lease (`locked_until`, `lease_token`) that it extends while
--   it works; a job whose instance died is claimed again once its lease has run out, and
--   only the holder of the current lease can finish it. Periodic work is enqueued under a
--   `dedupe_key` naming its period (`documents.expiry_warnings:2026-12-03`): whichever
--   instance gets there first enqueues it, the others' inserts do nothing — each period
--   runs exactly once. A job may instead hold its key only until it finishes
--   (`key_released_when_finished`): one pending job per thing, not per period. Infrastructure, not tenant data: a job names the organization it
--   works for in its payload and opens that organization's tenant transaction itself.
-- * `tracking_provider_calls`: one row per call to the tracking provider (usage figures,
--   analytics' `api_calls_today`), and `tracking_provider_budget`, the per-minute window
--   shared by every instance, claimed through `app.claim_provider_call`.

-- tracehub:step transaction: jobs
CREATE TABLE IF NOT EXISTS jobs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    dedupe_key text UNIQUE CHECK (length(dedupe_key) <= 300),
    -- The key only holds while the job is unfinished (at most one pending refresh of a
    -- shipment, however many periods pass while the provider's budget is spent).
    key_released_when_finished boolean NOT NULL DEFAULT false,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
    run_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
    lease_token uuid,
    locked_until timestamptz,
    locked_by text,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);
-- What a claim scans: due pending jobs and running ones whose lease may have run out.
CREATE INDEX IF NOT EXISTS ix_jobs_due ON jobs (run_at) WHERE state IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS ix_jobs_finished_at ON jobs (finished_at) WHERE state IN ('done', 'failed');
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs TO tracehub_app;

-- tracehub:step transaction: tracking provider calls and budget
CREATE TABLE IF NOT EXISTS tracking_provider_calls (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider text NOT NULL CHECK (length(provider) BETWEEN 1 AND 50),
    organization_id uuid REFERENCES organizations (id) ON DELETE SET NULL,
    -- `container`, `bill_of_lading`, `usage`
    request text NOT NULL CHECK (length(request) BETWEEN 1 AND 50),
    -- `found`, `not_found`, or the error kind
    outcome text NOT NULL CHECK (length(outcome) BETWEEN 1 AND 50),
    called_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_tracking_provider_calls_called_at ON tracking_provider_calls (called_at);
CREATE INDEX IF NOT EXISTS ix_tracking_provider_calls_organization_id
    ON tracking_provider_calls (organization_id, called_at);
GRANT SELECT, INSERT ON tracking_provider_calls TO tracehub_app;

CREATE TABLE IF NOT EXISTS tracking_provider_budget (
    provider text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    calls integer NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON tracking_provider_budget TO tracehub_app;

-- One call more in this minute's window, if the budget allows: 0, or the milliseconds
-- until the window turns. The row lock serializes every instance's claims.
CREATE OR REPLACE FUNCTION app.claim_provider_call(p_provider text, p_per_minute integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_start timestamptz;
    v_calls integer;
BEGIN
    INSERT INTO tracking_provider_budget (provider, window_start, calls)
    VALUES (p_provider, now(), 0)
    ON CONFLICT (provider) DO NOTHING;
    SELECT window_start, calls INTO v_start, v_calls
      FROM tracking_provider_budget WHERE provider = p_provider FOR UPDATE;
    IF v_start <= now() - interval '1 minute' THEN
        v_start := now();
        v_calls := 0;
    END IF;
    IF v_calls < p_per_minute THEN
        UPDATE tracking_provider_budget SET window_start = v_start, calls = v_calls + 1
         WHERE provider = p_provider;
        RETURN 0;
    END IF;
    RETURN greatest(1, ceil(extract(epoch FROM (v_start + interval '1 minute' - now())) * 1000))::integer;
END $$;
REVOKE ALL ON FUNCTION app.claim_provider_call(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.claim_provider_call(text, integer) TO tracehub_app;

-- tracehub:step transaction: the doors of the scheduled work
-- Which organizations have documents expiring by a date: the daily warnings' first step,
-- run by the server as the application role (ids only).
CREATE OR REPLACE FUNCTION app.organizations_with_expiring_documents(p_until date)
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT DISTINCT organization_id FROM public.documents
     WHERE expiry_date IS NOT NULL AND expiry_date <= p_until AND status <> 'ARCHIVED'
     ORDER BY organization_id
$$;
REVOKE ALL ON FUNCTION app.organizations_with_expiring_documents(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.organizations_with_expiring_documents(date) TO tracehub_app;

-- The shipments the scheduled refresh follows (not delivered or closed, with a container),
-- a page at a time after `p_after` (ids only).
CREATE OR REPLACE FUNCTION app.shipments_to_track(p_after uuid, p_limit integer)
RETURNS TABLE (organization_id uuid, shipment_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.platform_access = 'on'
AS $$
    SELECT s.organization_id, s.id FROM public.shipments s
     WHERE s.status NOT IN ('DELIVERED', 'CLOSED') AND s.container_number <> ''
       AND (p_after IS NULL OR s.id > p_after)
     ORDER BY s.id
     LIMIT least(greatest(p_limit, 1), 10000)
$$;
REVOKE ALL ON FUNCTION app.shipments_to_track(uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.shipments_to_track(uuid, integer) TO tracehub_app;
