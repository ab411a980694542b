-- journey_visits: a customer's visits to a touchpoint in a stage, counted.
-- Input: journey_events.
-- Parameters: :loop_window_s -- a visit loops when the customer's previous visit to the
-- same touchpoint was at most this many seconds earlier (daily log-ins do not loop);
-- :followup_s -- a visit is followed up when the customer opens a support ticket at most
-- this many seconds later (failure demand; next_ticket_t, see events.sql).
-- is_end: the customer's journey ends with one of these visits.
-- The definition for SQL engines: on DuckDB, JourneyLog counts the same with numpy
-- (cxlib/journey/sequence.py, on the events already in order); the tests check that both
-- give the same rows.
SELECT
    customer_id,
    stage_rank,
    touchpoint,
    COUNT(*) AS visits,
    SUM(CASE WHEN t - prev_same_t <= :loop_window_s THEN 1 ELSE 0 END) AS loop_visits,
    MAX(CASE WHEN t - prev_same_t <= :loop_window_s THEN 1 ELSE 0 END) AS looped,
    SUM(CASE WHEN next_ticket_t - t <= :followup_s THEN 1 ELSE 0 END) AS followup_visits,
    MAX(CASE WHEN next_ticket_t - t <= :followup_s THEN 1 ELSE 0 END) AS followed_up,
    MAX(CASE WHEN step = n_events THEN 1 ELSE 0 END) AS is_end
FROM journey_events
GROUP BY customer_id, stage_rank, touchpoint
