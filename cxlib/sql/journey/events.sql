-- journey_events: one row per event, ordered within its customer, with its neighbours.
-- Inputs: journey_event_steps (the events in order with their window columns: step,
--         n_events, furthest_rank, next_touchpoint, prev_same_t, runs; see
--         event_steps.sql), journey_tickets.
-- The definition for SQL engines: on DuckDB, JourneyLog builds the same table with numpy
-- (cxlib/journey/sequence.py, one sort instead of several window orderings of the whole
-- log); the tests check that both give the same rows.
-- stage_entry = 1 on the customer's first event in its stage; next_stage_t on those: the
-- first event of any later stage at or after it (the first later-stage event after an
-- entry always directly follows an event of a lower stage, so only such stage-up events
-- are candidates): a join on customer_id of the few entries and stage-ups, then a MIN per
-- entry (not a correlated subquery, which Spark plans as a Cartesian product of the log).
-- next_ticket_t: the customer's first support ticket at or after the event. The events
-- and tickets form one stream per customer, latest first (a ticket before an event at the
-- same instant); the running MIN of the ticket times seen so far is, on an event, its
-- first ticket at or after it: one pass, whatever the number of tickets per customer.
WITH stage_ups AS (
    SELECT customer_id, stage_rank, t
    FROM journey_event_steps
    WHERE prev_rank IS NULL OR stage_rank > prev_rank
),
next_stage AS (  -- per stage entry: the first stage-up event of a later stage at or after it
    SELECT o.seq, MIN(u.t) AS next_stage_t
    FROM journey_event_steps AS o
    JOIN stage_ups AS u
        ON u.customer_id = o.customer_id AND u.stage_rank > o.stage_rank AND u.t >= o.t
    WHERE o.stage_step = 1
    GROUP BY o.seq
),
stream AS (  -- the customer's events (is_ticket = 0) and tickets (1)
    SELECT
        customer_id, t, 0 AS is_ticket, stage_rank, touchpoint, channel, seq, step,
        n_events, furthest_rank, next_touchpoint, prev_same_t, run_start, run_no,
        next_run_t, next_run_rank, stage_step
    FROM journey_event_steps
    UNION ALL
    SELECT
        customer_id, t, 1 AS is_ticket, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL
    FROM journey_tickets
),
ticketed AS (
    SELECT
        stream.*,
        MIN(CASE WHEN is_ticket = 1 THEN t END) OVER (
            PARTITION BY customer_id ORDER BY t DESC, is_ticket DESC ROWS UNBOUNDED PRECEDING
        ) AS next_ticket_t
    FROM stream
)
SELECT
    n.customer_id,
    n.t,
    n.stage_rank,
    n.touchpoint,
    n.channel,
    n.seq,
    n.step,
    n.n_events,
    n.furthest_rank,
    n.next_touchpoint,
    n.prev_same_t,
    n.run_start,
    n.run_no,
    n.next_run_t,
    n.next_run_rank,
    CASE WHEN n.stage_step = 1 THEN 1 ELSE 0 END AS stage_entry,
    s.next_stage_t,
    n.next_ticket_t
FROM ticketed AS n
LEFT JOIN next_stage AS s ON s.seq = n.seq
WHERE n.is_ticket = 0
