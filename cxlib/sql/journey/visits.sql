-- journey_visits: a customer's visits to a touchpoint in a stage, counted.
-- Inputs: journey_events, journey_step_norms.
-- Parameters: :loop_window_s -- a visit loops when it directly repeats the customer's
-- previous event (the same touchpoint, run_start = 0) at most this many seconds later
-- (daily log-ins do not loop); :rework_window_s -- a visit is rework when the customer
-- comes back to the touchpoint after going elsewhere (run_start = 1), at most this many
-- seconds after their previous visit to it; :followup_s -- a visit is followed up when the
-- customer opens a support ticket at most this many seconds later (failure demand;
-- next_ticket_t, see events.sql).
-- slow_steps: steps starting here whose wait for the next step is longer than the norm of
-- comparable steps of the stage (see step_norms.sql).
-- is_end: the customer's journey ends with one of these visits.
-- The definition for SQL engines: on DuckDB, JourneyLog counts the same with numpy
-- (cxlib/journey/tallies.py, on the events already in order); the tests check that both
-- give the same rows.
WITH flagged AS (
    SELECT
        e.customer_id,
        e.stage_rank,
        e.touchpoint,
        CASE WHEN e.run_start = 0 AND e.t - e.prev_same_t <= :loop_window_s THEN 1 ELSE 0 END
            AS is_loop,
        CASE WHEN e.run_start = 1 AND e.t - e.prev_same_t <= :rework_window_s THEN 1 ELSE 0 END
            AS is_rework,
        CASE WHEN e.next_ticket_t - e.t <= :followup_s THEN 1 ELSE 0 END AS is_followup,
        CASE WHEN e.run_start = 1 AND e.next_run_t - e.t > n.p75_s THEN 1 ELSE 0 END AS is_slow,
        CASE WHEN e.step = e.n_events THEN 1 ELSE 0 END AS is_last
    FROM journey_events AS e
    LEFT JOIN journey_step_norms AS n
        ON n.stage_rank = e.stage_rank
        AND n.leaves = CASE WHEN e.next_run_rank <> e.stage_rank THEN 1 ELSE 0 END
)
SELECT
    customer_id,
    stage_rank,
    touchpoint,
    COUNT(*) AS visits,
    SUM(is_loop) AS loop_visits,
    MAX(is_loop) AS looped,
    SUM(is_rework) AS rework_visits,
    MAX(is_rework) AS reworked,
    SUM(is_followup) AS followup_visits,
    MAX(is_followup) AS followed_up,
    SUM(is_slow) AS slow_steps,
    MAX(is_slow) AS slowed,
    MAX(is_last) AS is_end
FROM flagged
GROUP BY customer_id, stage_rank, touchpoint
