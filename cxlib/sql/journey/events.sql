-- journey_events: one row per event, ordered within its customer, with its neighbours.
-- Inputs: journey_source (customer_id, ts, stage, touchpoint, channel, seq),
--         journey_stages (stage, stage_rank).
-- A customer's events are ordered by timestamp, then by seq (the row's position in the
-- source), so that events at the same instant keep the source order, as process-mining
-- tools do. Every later query reads this table.
WITH ev AS (
    SELECT
        s.customer_id,
        s.ts,
        -- No standard form: seconds since 1970-01-01 of a naive UTC timestamp.
        -- DuckDB/PostgreSQL: EXTRACT(EPOCH FROM ts); Spark SQL: unix_micros(ts) / 1e6.
        EXTRACT(EPOCH FROM s.ts) AS t,
        g.stage,
        g.stage_rank,
        CAST(s.touchpoint AS VARCHAR) AS touchpoint,
        CAST(s.channel AS VARCHAR) AS channel,
        s.seq
    FROM journey_source AS s
    JOIN journey_stages AS g ON CAST(s.stage AS VARCHAR) = g.stage
)
SELECT
    ev.*,
    ROW_NUMBER() OVER w AS step,
    COUNT(*) OVER (PARTITION BY customer_id) AS n_events,
    MAX(stage_rank) OVER (PARTITION BY customer_id) AS furthest_rank,
    LAG(touchpoint) OVER w AS prev_touchpoint,
    LAG(stage_rank) OVER w AS prev_rank,
    LEAD(touchpoint) OVER w AS next_touchpoint,
    LAG(t) OVER (PARTITION BY customer_id, touchpoint ORDER BY t, seq) AS prev_same_t
FROM ev
WINDOW w AS (PARTITION BY customer_id ORDER BY t, seq)
