-- journey_event_steps: one row per event, ordered within its customer, with the columns
-- window functions give (the first half of journey_events, see events.sql).
-- Inputs: journey_source (customer_id, ts, stage, touchpoint, channel, seq),
--         journey_stages (stage, stage_rank).
-- A customer's events are ordered by timestamp, then by seq (the row's position in the
-- source), so that events at the same instant keep the source order, as process-mining
-- tools do.
-- step, n_events, furthest_rank: position, length and highest stage of the journey.
-- prev_same_t: the customer's previous visit to the same touchpoint (for loops).
-- prev_rank: the stage of the customer's previous event; stage_step: the event's position
-- within its stage (1 = the customer's first event in that stage).
-- Runs: consecutive visits to one touchpoint are one step of the journey; run_start = 1 on
-- its first event, run_no its number, next_run_t / next_run_rank when and in which stage
-- the next run starts. The next run is found among the run starts alone (the next row of
-- the partition of the customer's run starts), then spread over its run's events: window
-- functions on partitions of one customer, no join (a self-join on run_no + 1 costs a
-- distributed engine two shuffles of the whole log).
-- Materialised on its own because events.sql reads it three times: an engine that inlines
-- a CTE (Spark) would otherwise sort the whole log again for each reading.
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
        ) AS run_no,
        -- on a run start: the next run start (the partition of run starts, in order)
        LEAD(t) OVER starts AS start_next_t,
        LEAD(stage_rank) OVER starts AS start_next_rank
    FROM started
    WINDOW starts AS (PARTITION BY customer_id, run_start ORDER BY t, seq)
)
SELECT
    customer_id,
    t,
    stage_rank,
    touchpoint,
    channel,
    seq,
    step,
    n_events,
    furthest_rank,
    next_touchpoint,
    prev_same_t,
    prev_rank,
    stage_step,
    run_start,
    run_no,
    MAX(CASE WHEN run_start = 1 THEN start_next_t END) OVER run AS next_run_t,
    MAX(CASE WHEN run_start = 1 THEN start_next_rank END) OVER run AS next_run_rank
FROM numbered
WINDOW run AS (PARTITION BY customer_id, run_no)
