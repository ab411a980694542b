-- journey_runs: a customer's consecutive visits to the same touchpoint collapsed into one
-- step (an event starts a step unless the previous event was at the same touchpoint), with
-- the step's number, the seconds until the customer's next step starts, and whether that
-- next step is in another stage (leaves = 1).
-- Input: journey_events.
WITH steps AS (
    SELECT
        customer_id,
        stage,
        stage_rank,
        touchpoint,
        t AS start_t,
        ROW_NUMBER() OVER w AS run_no,
        LEAD(t) OVER w - t AS to_next_s,
        LEAD(stage_rank) OVER w AS next_rank
    FROM journey_events
    WHERE prev_touchpoint IS NULL OR prev_touchpoint <> touchpoint
    WINDOW w AS (PARTITION BY customer_id ORDER BY t, seq)
)
SELECT
    steps.*,
    CASE WHEN next_rank <> stage_rank THEN 1 ELSE 0 END AS leaves
FROM steps
