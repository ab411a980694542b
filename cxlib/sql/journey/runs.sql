-- journey_runs: a customer's consecutive visits to the same touchpoint collapsed into one
-- step (an event starts a step unless the previous event was at the same touchpoint), with
-- the step's number, the seconds until the customer's next step starts, and whether that
-- next step is in another stage (leaves = 1).
-- Input: journey_events (which numbers the runs, see events.sql).
SELECT
    customer_id,
    stage_rank,
    touchpoint,
    t AS start_t,
    run_no,
    next_run_t - t AS to_next_s,
    next_run_rank AS next_rank,
    CASE WHEN next_run_rank <> stage_rank THEN 1 ELSE 0 END AS leaves
FROM journey_events
WHERE run_start = 1
