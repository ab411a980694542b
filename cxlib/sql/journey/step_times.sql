-- Time to the next step, against the stage norm: per touchpoint, the median hours from a
-- step there to the customer's next step, the median of the whole stage, and how many
-- steps were slow (slower than their norm, see step_norms.sql).
-- Inputs: journey_runs, journey_step_norms.
WITH stage_norm AS (
    SELECT stage_rank, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY to_next_s) AS median_s
    FROM journey_runs
    GROUP BY stage_rank
)
SELECT
    r.stage_rank,
    CAST(r.touchpoint AS STRING) AS touchpoint,
    COUNT(r.to_next_s) AS steps,
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY r.to_next_s / 3600.0) AS median_hours_to_next,
    MIN(s.median_s) / 3600.0 AS stage_median_hours,
    SUM(CASE WHEN r.to_next_s > n.p75_s THEN 1 ELSE 0 END) AS slow_steps
FROM journey_runs AS r
JOIN stage_norm AS s ON s.stage_rank = r.stage_rank
LEFT JOIN journey_step_norms AS n ON n.stage_rank = r.stage_rank AND n.leaves = r.leaves
GROUP BY r.stage_rank, r.touchpoint
