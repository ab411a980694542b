-- journey_events: one row per event, ordered within its customer, with its neighbours.
-- Inputs: journey_source (customer_id, ts, stage, touchpoint, channel, seq),
--         journey_stages (stage, stage_rank), journey_tickets.
-- A customer's events are ordered by timestamp, then by seq (the row's position in the
-- source), so that events at the same instant keep the source order, as process-mining
-- tools do. Every later query reads this table.
-- The definition for SQL engines: on DuckDB, JourneyLog builds the same table with numpy
-- (cxlib/journey/sequence.py, one sort instead of five window orderings of the whole log);
-- the tests check that both give the same rows.
-- step, n_events, furthest_rank: position, length and highest stage of the journey.
-- prev_same_t: the customer's previous visit to the same touchpoint (for loops).
-- Runs: consecutive visits to one touchpoint are one step of the journey; run_start = 1 on
-- its first event, run_no its number, next_run_t / next_run_rank when and in which stage
-- the next run starts.
-- stage_entry = 1 on the customer's first event in its stage; next_stage_t on those: the
-- first event of any later stage at or after it (the first later-stage event after an
-- entry always directly follows an event of a lower stage, so only such stage-up events
-- are candidates).
-- next_ticket_t: the customer's first support ticket at or after the event.
-- Both "first ... at or after" columns are joins on customer_id then a MIN per event, not
-- correlated subqueries (which Spark plans as a Cartesian product of the whole log).
WITH ev AS (
    SELECT
        s.customer_id,
        -- No standard form: seconds since 1970-01-01 of a naive UTC timestamp, a snippet
        -- each engine spells its own way (cxlib/engine/dialect.py).
        cx_epoch_seconds(s.ts) AS t,
        g.stage_rank,
        CAST(s.touchpoint AS STRING) AS touchpoint,
        CAST(s.channel AS STRING) AS channel,
        s.seq
    FROM journey_source AS s
    JOIN journey_stages AS g ON CAST(s.stage AS STRING) = g.stage
),
ordered AS (
    SELECT
        ev.*,
        ROW_NUMBER() OVER w AS step,
        COUNT(*) OVER (PARTITION BY customer_id) AS n_events,
        MAX(stage_rank) OVER (PARTITION BY customer_id) AS furthest_rank,
        LAG(touchpoint) OVER w AS prev_touchpoint,
        LEAD(touchpoint) OVER w AS next_touchpoint,
        LAG(stage_rank) OVER w AS prev_rank,
        LAG(t) OVER (PARTITION BY customer_id, touchpoint ORDER BY t, seq) AS prev_same_t,
        ROW_NUMBER() OVER (PARTITION BY customer_id, stage_rank ORDER BY t, seq) AS stage_step
    FROM ev
    WINDOW w AS (PARTITION BY customer_id ORDER BY t, seq)
),
started AS (
    SELECT
        ordered.*,
        CASE WHEN prev_touchpoint IS NULL OR prev_touchpoint <> touchpoint THEN 1 ELSE 0 END
            AS run_start
    FROM ordered
),
numbered AS (
    SELECT
        started.*,
        SUM(run_start) OVER (
            PARTITION BY customer_id ORDER BY t, seq ROWS UNBOUNDED PRECEDING
        ) AS run_no
    FROM started
),
runs AS (
    SELECT customer_id, run_no, t AS run_t, stage_rank AS run_rank
    FROM numbered
    WHERE run_start = 1
),
stage_ups AS (
    SELECT customer_id, stage_rank, t
    FROM ordered
    WHERE prev_rank IS NULL OR stage_rank > prev_rank
),
next_stage AS (  -- per stage entry: the first stage-up event of a later stage at or after it
    SELECT o.seq, MIN(u.t) AS next_stage_t
    FROM ordered AS o
    JOIN stage_ups AS u
        ON u.customer_id = o.customer_id AND u.stage_rank > o.stage_rank AND u.t >= o.t
    WHERE o.stage_step = 1
    GROUP BY o.seq
),
next_ticket AS (  -- per event: the customer's first ticket at or after it
    SELECT o.seq, MIN(k.t) AS next_ticket_t
    FROM ordered AS o
    JOIN journey_tickets AS k ON k.customer_id = o.customer_id AND k.t >= o.t
    GROUP BY o.seq
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
    r.run_t AS next_run_t,
    r.run_rank AS next_run_rank,
    CASE WHEN n.stage_step = 1 THEN 1 ELSE 0 END AS stage_entry,
    s.next_stage_t,
    k.next_ticket_t
FROM numbered AS n
LEFT JOIN runs AS r ON r.customer_id = n.customer_id AND r.run_no = n.run_no + 1
LEFT JOIN next_stage AS s ON s.seq = n.seq
LEFT JOIN next_ticket AS k ON k.seq = n.seq
